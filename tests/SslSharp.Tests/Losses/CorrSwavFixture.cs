using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

/// <summary>Reads <c>Fixtures/corr_swav.json</c> (scripts/make_corr_swav_fixtures.py): VICReg, Barlow Twins, Sinkhorn, SwAV.</summary>
internal static class CorrSwavFixture
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "corr_swav.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    });

    /// <summary>The cases of one section (<c>vicreg</c>, <c>barlowtwins</c>, <c>sinkhorn</c>, <c>swav</c>).</summary>
    public static List<JsonElement> Cases(string section) => Root.Value.GetProperty(section).EnumerateArray().ToList();

    /// <summary>Case names of a section, for <c>[MemberData]</c>.</summary>
    public static IEnumerable<object[]> Names(string section) =>
        Cases(section).Select(c => new object[] { c.GetProperty("name").GetString()! });

    /// <summary>The case called <paramref name="name"/>.</summary>
    public static JsonElement Case(string section, string name) => Cases(section).Single(c => c.GetProperty("name").GetString() == name);

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    /// <summary>A float64 tensor of the given shape from a flat JSON array.</summary>
    public static Tensor Tensor(JsonElement e, params long[] shape) => torch.tensor(Doubles(e), shape, ScalarType.Float64);

    public static long Long(JsonElement c, string key) => c.GetProperty(key).GetInt64();

    public static double Double(JsonElement c, string key) => c.GetProperty(key).GetDouble();

    /// <summary>|expected - actual| &lt;= rel x max(1e-3, |expected|).</summary>
    public static void AssertClose(double expected, double actual, double rel, string what)
    {
        double tol = rel * Math.Max(1e-3, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (tolerance {tol:E2})");
    }

    /// <summary>Every element within rel x (largest |expected|) of the reference.</summary>
    public static void AssertAllClose(JsonElement expected, Tensor actual, double rel, string what)
    {
        var e = Doubles(expected);
        var a = actual.detach().to_type(ScalarType.Float64).flatten().data<double>().ToArray();
        Assert.Equal(e.Length, a.Length);
        double scale = Math.Max(1e-12, e.Max(Math.Abs));
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= rel * scale, $"{what}[{i}]: expected {e[i]:R}, got {a[i]:R}");
    }
}
