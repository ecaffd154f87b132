using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

/// <summary>Reads <c>Fixtures/dcl_dml_wmse.json</c> (scripts/make_dcl_dml_wmse_fixtures.py) and compares results to it.</summary>
internal static class DclDmlWmseFixture
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "dcl_dml_wmse.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    });

    /// <summary>The cases of one group (dcl, margin, mined, directclr, wmse).</summary>
    public static IReadOnlyList<JsonElement> Cases(string group) => Root.Value.GetProperty(group).EnumerateArray().ToList();

    /// <summary>xUnit member data: the case names of <paramref name="group"/>.</summary>
    public static IEnumerable<object[]> Names(string group) => Cases(group).Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static JsonElement Case(string group, string name) => Cases(group).Single(c => c.GetProperty("name").GetString() == name);

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    /// <summary>A float64 tensor <c>[n, d]</c> from a flat JSON array, optionally requiring grad.</summary>
    public static Tensor Matrix(JsonElement e, long n, long d, bool grad = true)
    {
        var t = torch.tensor(Doubles(e), new[] { n, d }, ScalarType.Float64);
        return grad ? t.requires_grad_(true) : t;
    }

    public static void AssertClose(double expected, double actual, double rel, string what)
    {
        double tol = rel * Math.Max(1e-3, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (tolerance {tol:E2})");
    }

    /// <summary>Element-wise comparison to 1e-5 of the largest expected magnitude.</summary>
    public static void AssertGrad(JsonElement expected, Tensor? actual, string what)
    {
        Assert.NotNull(actual);
        var e = Doubles(expected);
        var a = actual!.flatten().data<double>().ToArray();
        Assert.Equal(e.Length, a.Length);
        double scale = Math.Max(1e-12, e.Max(Math.Abs));
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 * scale, $"{what}[{i}]: expected {e[i]:R}, got {a[i]:R}");
    }
}
