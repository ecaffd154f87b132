using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

/// <summary>Reads <c>Fixtures/selfdistill.json</c> (written by <c>scripts/make_selfdistill_fixtures.py</c>).</summary>
internal static class SelfDistillFixtures
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "selfdistill.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    });

    public static IReadOnlyList<JsonElement> Cases(string section) => Root.Value.GetProperty(section).EnumerateArray().ToList();

    public static JsonElement Case(string section, string name) =>
        Cases(section).Single(c => c.GetProperty("name").GetString() == name);

    public static IEnumerable<object[]> Names(string section) =>
        Cases(section).Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static Tensor Tensor(JsonElement e, params long[] shape) => torch.tensor(Doubles(e), shape, ScalarType.Float64);

    /// <summary>The inputs p1, p2, z1, z2 <c>[N, D]</c> of a "pairs" case, float64, each requiring grad when asked.</summary>
    public static (Tensor P1, Tensor P2, Tensor Z1, Tensor Z2) PairInputs(JsonElement c, bool predictionsRequireGrad, bool targetsRequireGrad)
    {
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        Tensor Read(string key, bool grad) => Tensor(c.GetProperty(key), n, d).requires_grad_(grad);
        return (Read("p1", predictionsRequireGrad), Read("p2", predictionsRequireGrad), Read("z1", targetsRequireGrad), Read("z2", targetsRequireGrad));
    }

    public static void AssertClose(double expected, double actual, double rel, string what)
    {
        double tol = rel * Math.Max(1e-3, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (tolerance {tol:E2})");
    }

    /// <summary>Element-wise check relative to the largest expected magnitude.</summary>
    public static void AssertAllClose(double[] expected, Tensor actual, double rel, string what)
    {
        var a = actual.detach().to_type(ScalarType.Float64).flatten().data<double>().ToArray();
        Assert.Equal(expected.Length, a.Length);
        double scale = Math.Max(1e-12, expected.Max(Math.Abs));
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= rel * scale, $"{what}[{i}]: expected {expected[i]:R}, got {a[i]:R}");
    }
}
