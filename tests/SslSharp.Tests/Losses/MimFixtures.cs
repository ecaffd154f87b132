using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

/// <summary>Reads <c>Fixtures/mim.json</c> (written by <c>scripts/make_mim_fixtures.py</c>).</summary>
internal static class MimFixtures
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "mim.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    });

    public static JsonElement Case(string section, string name) =>
        Root.Value.GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static IEnumerable<object[]> Names(string section) =>
        Root.Value.GetProperty(section).EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static long Int(JsonElement c, string key) => c.GetProperty(key).GetInt64();

    public static Tensor Tensor(JsonElement c, string key, params long[] shape) => SelfDistillFixtures.Tensor(c.GetProperty(key), shape);

    public static double[] Doubles(JsonElement c, string key) => SelfDistillFixtures.Doubles(c.GetProperty(key));
}
