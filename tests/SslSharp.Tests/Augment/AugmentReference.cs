using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Augment;

/// <summary>Loads Fixtures/augment_reference.json (written by scripts/make_augment_fixtures.py from torchvision 0.14).</summary>
internal static class AugmentReference
{
    private static readonly Lazy<JsonDocument> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "augment_reference.json"))));

    public static JsonElement Root => Doc.Value.RootElement;

    public static JsonElement Get(params string[] path)
    {
        var e = Root;
        foreach (var p in path) e = e.GetProperty(p);
        return e;
    }

    public static Tensor Tensor(params string[] path)
    {
        var e = Get(path);
        var shape = e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var data = e.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        return torch.tensor(data, shape);
    }

    public static float[] Floats(params string[] path) => Get(path).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    public static Tensor Factors(params string[] path) => torch.tensor(Floats(path));

    public static void AssertClose(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double maxDiff = (expected - actual).abs().max().item<float>();
        Assert.True(maxDiff <= tol, $"{what}: max |difference| {maxDiff:E3} exceeds {tol:E1}");
    }
}
