using System.Globalization;
using SslSharp.Backbones;

namespace SslSharp.Runs;

/// <summary>
/// Sets single keys of a run's <c>backbone:</c> section (<see cref="BackboneOptions"/>) from text: a preset's
/// <c>backbone_settings:</c> and the command line's <c>--set backbone.KEY=VALUE</c> both go through here, with the key
/// names <c>config.yaml</c> writes (<c>patch_size</c>, <c>drop_path_rate</c>, <c>pooling</c>, <c>layer_scale_init</c>,
/// <c>frozen_patch_projection</c>, ...).
/// </summary>
public static class BackboneSettings
{
    /// <summary>The prefix that routes a <c>--set</c> key to the backbone instead of the method.</summary>
    public const string Prefix = "backbone.";

    /// <summary>The keys <see cref="Apply(BackboneOptions, string, string)"/> accepts.</summary>
    public static IReadOnlyList<string> Keys { get; } = new[]
    {
        "name", "width_multiplier", "low_res_stem", "stem_max_pool", "patch_size", "drop_path_rate", "pooling", "layer_scale_init",
        "frozen_patch_projection",
    };

    /// <summary><paramref name="options"/> with every (key, value) of <paramref name="settings"/> applied in order.</summary>
    /// <exception cref="ArgumentException">An unknown key (the message lists the known ones) or a value that does not parse.</exception>
    public static BackboneOptions Apply(BackboneOptions options, IEnumerable<KeyValuePair<string, string>>? settings)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (key, value) in settings ?? [])
            options = Apply(options, key, value);
        return options;
    }

    /// <summary><paramref name="options"/> with <paramref name="key"/> set to <paramref name="value"/> (<c>null</c>, <c>none</c>
    /// or an empty value clear the optional ones).</summary>
    /// <exception cref="ArgumentException">An unknown key (the message lists the known ones) or a value that does not parse.</exception>
    public static BackboneOptions Apply(BackboneOptions options, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        value = (value ?? "").Trim();
        bool empty = value.Length == 0 || value is "null" or "none" or "~";
        return key.Trim().ToLowerInvariant() switch
        {
            "name" => options with { Name = value },
            "width_multiplier" => options with { WidthMultiplier = Number(key, value) },
            "low_res_stem" => options with { LowResStem = Flag(key, value) },
            "stem_max_pool" => options with { StemMaxPool = empty ? null : Flag(key, value) },
            "patch_size" => options with { PatchSize = empty ? null : (int)Whole(key, value) },
            "drop_path_rate" => options with { DropPathRate = Number(key, value) },
            "pooling" => options with
            {
                Pooling = Enum.TryParse<VitPooling>(value, ignoreCase: true, out var p) && Enum.IsDefined(p)
                    ? p
                    : throw new ArgumentException($"backbone {key} must be cls or mean, got '{value}'."),
            },
            "layer_scale_init" => options with { LayerScaleInit = empty ? null : Number(key, value) },
            "frozen_patch_projection" => options with { FrozenPatchProjection = Flag(key, value) },
            _ => throw new ArgumentException($"Unknown backbone setting '{key}'. Known backbone settings: {string.Join(", ", Keys)}."),
        };
    }

    private static double Number(string key, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw new ArgumentException($"backbone {key} must be a number, got '{value}'.");

    private static long Whole(string key, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"backbone {key} must be a whole number, got '{value}'.");

    private static bool Flag(string key, string value) =>
        bool.TryParse(value, out var b) ? b : throw new ArgumentException($"backbone {key} must be true or false, got '{value}'.");
}
