using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

/// <summary>Reads Fixtures/moco_nnclr.json (written by scripts/make_moco_nnclr_fixtures.py).</summary>
internal static class MoCoNnclrFixtures
{
    public static List<JsonElement> Cases(string family)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "moco_nnclr.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty(family).EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static IEnumerable<object[]> Names(string family) =>
        Cases(family).Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static JsonElement Case(string family, string name) =>
        Cases(family).Single(c => c.GetProperty("name").GetString() == name);

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    /// <summary>A float64 tensor <c>[rows, cols]</c> from property <paramref name="key"/>.</summary>
    public static Tensor Matrix(JsonElement c, string key, long rows, long cols, bool grad = false)
    {
        var t = torch.tensor(Doubles(c.GetProperty(key)), new[] { rows, cols }, ScalarType.Float64);
        return grad ? t.requires_grad_(true) : t;
    }

    public static void AssertClose(double expected, double actual, double rel, string what)
    {
        double tol = rel * Math.Max(1e-3, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (tolerance {tol:E2})");
    }

    /// <summary>Gradient <paramref name="actual"/> equals the fixture's to 1e-5 of the largest expected entry.</summary>
    public static void AssertGradient(JsonElement c, string key, Tensor actual, string what)
    {
        var e = Doubles(c.GetProperty(key));
        var g = actual.flatten().data<double>().ToArray();
        Assert.Equal(e.Length, g.Length);
        double scale = Math.Max(1e-12, e.Max(Math.Abs));
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - g[i]) <= 1e-5 * scale, $"{what}[{i}]: expected {e[i]:R}, got {g[i]:R}");
    }
}
