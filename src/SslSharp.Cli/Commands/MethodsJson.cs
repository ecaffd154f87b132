using System.Text.Json;
using System.Text.Json.Nodes;
using SslSharp.Methods;
using SslSharp.Runs;

namespace SslSharp.Cli.Commands;

/// <summary>
/// <c>sslsharp methods --json</c>: the registered methods as one JSON document, for scripts.
/// </summary>
/// <remarks>
/// All methods: <c>{"methods": [{"name", "family", "paper", "defaults", "presets": ["small", ...]}, ...]}</c>. One
/// method adds <c>"settings": [{"name", "default", "description"}]</c> and <c>"preset_text": {"small": yaml, ...}</c>.
/// </remarks>
internal static class MethodsJson
{
    /// <summary>The document for every method (<paramref name="method"/> null) or for one (unknown: the registry's error).</summary>
    public static string Describe(string? method)
    {
        if (method is null)
        {
            var all = new JsonArray();
            foreach (var name in MethodRegistry.Names) all.Add(Entry(name, full: false));
            return new JsonObject { ["methods"] = all }.ToJsonString(Options);
        }
        MethodRegistry.Describe(method); // throws the "unknown method" message listing the known ones
        return Entry(method.Trim().ToLowerInvariant(), full: true).ToJsonString(Options);
    }

    private static JsonObject Entry(string name, bool full)
    {
        var info = MethodRegistry.Describe(name);
        var sizes = MethodPresets.Available.Where(p => p.Method == name).Select(p => p.Size)
            .OrderByDescending(s => s, StringComparer.Ordinal).ToList();
        var entry = new JsonObject
        {
            ["name"] = name,
            ["family"] = info.Family,
            ["paper"] = info.Paper,
            ["defaults"] = info.Defaults,
            ["presets"] = new JsonArray(sizes.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
        };
        if (!full) return entry;
        var settings = new JsonArray();
        foreach (var s in info.Settings ?? [])
            settings.Add(new JsonObject { ["name"] = s.Name, ["default"] = s.Default, ["description"] = s.Description });
        entry["settings"] = settings;
        var texts = new JsonObject();
        foreach (var size in sizes) texts[size] = MethodPresets.Text(name, size);
        entry["preset_text"] = texts;
        return entry;
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };
}
