using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Modules;

/// <summary>Reads Fixtures/deepcluster.json (written by scripts/make_deepcluster_fixtures.py).</summary>
internal static class DeepClusterFixture
{
    public static List<JsonElement> Cases(string group)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "deepcluster.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty(group).EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static JsonElement Case(string group, string name) => Cases(group).Single(c => c.GetProperty("name").GetString() == name);

    public static IEnumerable<object[]> Names(string group) => Cases(group).Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static long[] Longs(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt64()).ToArray();

    public static Tensor Matrix(JsonElement c, string key, long rows, long cols, ScalarType dtype = ScalarType.Float64) =>
        torch.tensor(Doubles(c.GetProperty(key)), new[] { rows, cols }, ScalarType.Float64).to_type(dtype);

    /// <summary>Max |expected - actual| relative to max |expected|, asserting it is within <paramref name="rel"/>.</summary>
    public static void AssertClose(double[] expected, Tensor actual, double rel, string what)
    {
        var a = actual.to_type(ScalarType.Float64).cpu().flatten().data<double>().ToArray();
        Assert.Equal(expected.Length, a.Length);
        double scale = Math.Max(1e-12, expected.Max(Math.Abs));
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= rel * scale,
                $"{what}[{i}]: expected {expected[i]:R}, got {a[i]:R} (tolerance {rel * scale:E2})");
    }
}
