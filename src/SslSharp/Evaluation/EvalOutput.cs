using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SslSharp.Evaluation;

/// <summary>
/// Writes the outcome of an evaluation command as <c>NAME.json</c> (machine-readable) and
/// <c>NAME.md</c> (a Markdown table: one header, one row) next to each other.
/// </summary>
/// <remarks>
/// JSON layout: <c>{"evaluation": NAME, "info": {key: text, ...}, "metrics": {name: number, ...}}</c>,
/// keys in the order given. The Markdown row lists the info values, then the metrics (4 significant
/// digits), so rows of several checkpoints can be pasted under one header.
/// </remarks>
public static class EvalOutput
{
    /// <summary>Writes <c>NAME.json</c> and <c>NAME.md</c> into <paramref name="directory"/> (created if needed).</summary>
    /// <param name="directory">Output folder.</param>
    /// <param name="name">File stem and evaluation name (e.g. <c>rank</c>).</param>
    /// <param name="info">Descriptive columns (checkpoint, data set, samples, ...), in order.</param>
    /// <param name="metrics">Numbers by metric name, in order; non-finite values are written as JSON null and "n/a".</param>
    /// <returns>The paths of the JSON and Markdown files.</returns>
    public static (string Json, string Markdown) Write(string directory, string name,
        IReadOnlyList<KeyValuePair<string, string>> info, IReadOnlyList<KeyValuePair<string, double>> metrics)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(metrics);
        Directory.CreateDirectory(directory);
        var jsonPath = Path.Combine(directory, name + ".json");
        var mdPath = Path.Combine(directory, name + ".md");

        using (var stream = File.Create(jsonPath))
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("evaluation", name);
            w.WriteStartObject("info");
            foreach (var (k, v) in info) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteStartObject("metrics");
            foreach (var (k, v) in metrics)
            {
                if (double.IsFinite(v)) w.WriteNumber(k, v);
                else w.WriteNull(k);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }

        var c = CultureInfo.InvariantCulture;
        var header = info.Select(kv => kv.Key).Concat(metrics.Select(kv => kv.Key)).ToList();
        var row = info.Select(kv => Escape(kv.Value))
            .Concat(metrics.Select(kv => double.IsFinite(kv.Value) ? kv.Value.ToString("G4", c) : "n/a")).ToList();
        var md = new StringBuilder();
        md.Append("| ").AppendJoin(" | ", header).Append(" |\n");
        md.Append('|').AppendJoin("|", header.Select(_ => "---")).Append("|\n");
        md.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        File.WriteAllText(mdPath, md.ToString(), new UTF8Encoding(false));
        return (jsonPath, mdPath);
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');
}
