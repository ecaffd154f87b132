namespace SslSharp.Tests.Architecture;

/// <summary>
/// SslSharp's layers, lowest first, and what each may use. A layer is the first namespace segment after
/// <c>SslSharp.</c> (<c>SslSharp.Evaluation.Probes</c> is in <c>Evaluation</c>); every layer may use itself.
/// Core &lt;- building blocks (Platform, Backbones, Heads, Modules, Losses, Augment, Data, Distributed) &lt;- Methods
/// &lt;- Training &lt;- Evaluation &lt;- Reporting &lt;- Runs &lt;- Cli.
/// </summary>
internal static class Layers
{
    private static readonly string[] BuildingBlocks = { "Core", "Platform", "Backbones", "Heads", "Modules", "Losses", "Augment", "Data", "Distributed", "Interop" };

    /// <summary>Layer name to the layers it may use (besides itself).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> MayUse = new Dictionary<string, string[]>
    {
        ["Core"] = [],
        ["Platform"] = ["Core"],
        ["Backbones"] = ["Core"],
        ["Heads"] = ["Core"],
        ["Modules"] = ["Core"],
        ["Losses"] = ["Core", "Modules"],
        ["Augment"] = ["Core"],
        ["Data"] = ["Core", "Platform", "Augment"],
        ["Distributed"] = ["Core"],
        ["Interop"] = ["Core"],
        ["Methods"] = BuildingBlocks,
        ["Training"] = [.. BuildingBlocks, "Methods"],
        ["Evaluation"] = [.. BuildingBlocks, "Methods", "Training"],
        ["Reporting"] = [.. BuildingBlocks, "Methods", "Training", "Evaluation"],
        ["Runs"] = [.. BuildingBlocks, "Methods", "Training", "Evaluation", "Reporting"],
        ["Cli"] = [.. BuildingBlocks, "Methods", "Training", "Evaluation", "Reporting", "Runs"],
    };

    /// <summary>The layer of namespace <paramref name="ns"/>, or null when it is not an SslSharp namespace.</summary>
    public static string? Of(string? ns)
    {
        if (ns is null || !ns.StartsWith("SslSharp.", StringComparison.Ordinal)) return null;
        var layer = ns["SslSharp.".Length..].Split('.')[0];
        return layer == "Tests" || layer == "Benchmarks" ? null : layer;
    }

    /// <summary>Whether code in <paramref name="from"/> may use <paramref name="to"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="from"/> is a namespace no rule covers.</exception>
    public static bool Allowed(string from, string to) =>
        from == to || (MayUse.TryGetValue(from, out var uses)
            ? uses.Contains(to)
            : throw new InvalidOperationException($"Namespace SslSharp.{from} is in no layer: add it to {nameof(Layers)}.{nameof(MayUse)}."));
}
