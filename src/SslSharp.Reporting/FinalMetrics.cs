using System.Globalization;
using System.Text.Json;

namespace SslSharp.Reporting;

/// <summary>
/// Collects the final numbers of a run folder for the report's table: the kNN table and baseline
/// rows of <c>summary.md</c>, and the numeric values of every evaluation result (<c>*.json</c>).
/// </summary>
public static class FinalMetrics
{
    /// <summary>Rows (source, metric, value) from <c>summary.md</c>: its kNN table and its overview rows that mention kNN, loss or accuracy.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> FromSummary(string summaryPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(summaryPath);
        var rows = new List<IReadOnlyList<string>>();
        string? heading = null;
        string[]? header = null;
        foreach (var raw in File.ReadLines(summaryPath))
        {
            var line = raw.Trim();
            if (line.StartsWith('#')) { heading = line.TrimStart('#').Trim(); header = null; continue; }
            if (!line.StartsWith('|')) { header = null; continue; }
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells.All(c => c.Length == 0 || c.Trim(':', '-').Length == 0)) continue;   // separator row
            if (header is null) { header = cells; continue; }
            if (heading is not null && heading.Contains("kNN", StringComparison.OrdinalIgnoreCase) && cells.Length == header.Length && header.Length >= 2)
            {
                for (int i = 1; i < cells.Length; i++)
                    rows.Add(["summary.md", $"kNN {header[i]}, k = {cells[0]}", cells[i]]);
            }
            else if (cells.Length == 2 && (Mentions(cells[0], "knn") || Mentions(cells[0], "loss") || Mentions(cells[0], "accuracy")))
            {
                rows.Add(["summary.md", cells[0], cells[1]]);
            }
        }
        return rows;
    }

    /// <summary>
    /// Settings and bookkeeping that evaluation results record next to their metrics, left out of
    /// the table: <c>seed</c>, <c>epochs</c>, <c>batch_size</c>, <c>learning_rate</c>, <c>lr</c>,
    /// <c>weight_decay</c>, <c>seconds</c>, <c>feature_dim</c>, <c>train_images</c>, <c>test_images</c>.
    /// </summary>
    public static IReadOnlySet<string> SettingNames { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "seed", "epochs", "batch_size", "learning_rate", "lr", "weight_decay", "seconds", "feature_dim", "train_images", "test_images",
    };

    /// <summary>
    /// Rows (file, metric, value) for every number in an evaluation JSON file: nested objects give
    /// dotted names; arrays are summarised by their last element; strings, booleans and the
    /// <see cref="SettingNames"/> are skipped. In a file written by <see cref="Evaluation.EvalReport"/> only its
    /// <c>result</c> object is read (its names without the <c>result.</c> prefix).
    /// </summary>
    /// <exception cref="JsonException">The file is not JSON.</exception>
    public static IReadOnlyList<IReadOnlyList<string>> FromJson(string jsonPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jsonPath);
        using var doc = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var rows = new List<IReadOnlyList<string>>();
        var file = Path.GetFileName(jsonPath);
        void Visit(JsonElement e, string name)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Number when SettingNames.Contains(name[(name.LastIndexOf('.') + 1)..]):
                    break;
                case JsonValueKind.Number:
                    rows.Add([file, name, Format(e.GetDouble())]);
                    break;
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) Visit(p.Value, name.Length == 0 ? p.Name : $"{name}.{p.Name}");
                    break;
                case JsonValueKind.Array when e.GetArrayLength() > 0:
                    var last = e[e.GetArrayLength() - 1];
                    if (last.ValueKind == JsonValueKind.Number) rows.Add([file, $"{name} (last of {e.GetArrayLength()})", Format(last.GetDouble())]);
                    else if (last.ValueKind == JsonValueKind.Object) Visit(last, $"{name}[{e.GetArrayLength() - 1}]");
                    break;
            }
        }
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("columns", out _) && root.TryGetProperty("result", out var result))
            root = result;   // EvalReport layout: the table and metadata repeat the result as text
        Visit(root, "");
        return rows;
    }

    /// <summary>A number in up to 6 significant digits, invariant culture.</summary>
    public static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static bool Mentions(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);
}
