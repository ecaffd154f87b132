using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Evaluation.Probes;

namespace SslSharp.Evaluation;

/// <summary>
/// The written form of one evaluation: a title, metadata (checkpoint, data set, settings), a table
/// (columns and rows of text) and the full result object. <see cref="Write"/> puts it in a folder as
/// <c>&lt;name&gt;.json</c> (everything, machine-readable) and <c>&lt;name&gt;.md</c> (title, metadata and
/// the table as Markdown). The one place that formats evaluation output for files; the
/// <c>From*</c> factories build the report of each evaluation (<c>sslsharp eval knn | linear | finetune |
/// guillotine | rank | decoder</c>).
/// </summary>
/// <remarks>
/// JSON layout: <c>{"name", "title", "created_utc", "metadata": {key: text}, "columns": [...], "rows": [[...]],
/// "result": {...}}</c>; the result's properties are snake_case (<c>top1</c>, <c>test_mse</c>, ...), which is
/// what <c>sslsharp report</c> reads back (<c>Reporting.FinalMetrics</c>).
/// </remarks>
public sealed class EvalReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly List<IReadOnlyList<string>> _rows = [];

    /// <summary>Creates an empty report.</summary>
    /// <param name="name">File stem (<c>knn</c> gives <c>knn.json</c>, <c>knn.md</c>): letters, digits, '-', '_' and '.'.</param>
    /// <param name="title">Heading of the Markdown file.</param>
    /// <param name="columns">Table header.</param>
    /// <param name="result">The result object written in full to the JSON file (null for none).</param>
    /// <exception cref="ArgumentException">The name is not a plain file stem or there are no columns.</exception>
    public EvalReport(string name, string title, IReadOnlyList<string> columns, object? result = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(columns);
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"Report name '{name}' must be a plain file stem (letters, digits, '-', '_', '.').", nameof(name));
        if (columns.Count == 0) throw new ArgumentException("A report needs at least one column.", nameof(columns));
        Name = name;
        Title = title;
        Columns = columns.ToArray();
        Result = result;
    }

    /// <summary>File stem.</summary>
    public string Name { get; }

    /// <summary>Heading.</summary>
    public string Title { get; }

    /// <summary>Table header.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Table rows, each with one cell per column.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rows => _rows;

    /// <summary>Key-value facts shown above the table and stored in the JSON (checkpoint, data set, ...).</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The full result object (serialised into the JSON file), or null.</summary>
    public object? Result { get; }

    /// <summary>Appends a row; it must have one cell per column.</summary>
    /// <exception cref="ArgumentException">Wrong number of cells.</exception>
    public EvalReport AddRow(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != Columns.Count)
            throw new ArgumentException($"A row of report '{Name}' needs {Columns.Count} cells ({string.Join(", ", Columns)}) but got {cells.Length}.", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    /// <summary>Adds a metadata entry and returns the report (for chaining).</summary>
    public EvalReport With(string key, string value)
    {
        Metadata[key] = value;
        return this;
    }

    /// <summary>The JSON document: name, title, creation time (UTC), metadata, columns, rows and result.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["name"] = Name,
            ["title"] = Title,
            ["created_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["metadata"] = JsonSerializer.SerializeToNode(Metadata, JsonOptions),
            ["columns"] = JsonSerializer.SerializeToNode(Columns, JsonOptions),
            ["rows"] = JsonSerializer.SerializeToNode(_rows, JsonOptions),
            ["result"] = Result is null ? null : JsonSerializer.SerializeToNode(Result, Result.GetType(), JsonOptions),
        };
        return root.ToJsonString(JsonOptions);
    }

    /// <summary>The Markdown document: heading, metadata as a bullet list, then the table.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(Title).Append("\n\n");
        foreach (var (key, value) in Metadata) sb.Append("- ").Append(key).Append(": ").Append(Escape(value)).Append('\n');
        if (Metadata.Count > 0) sb.Append('\n');
        sb.Append("| ").Append(string.Join(" | ", Columns.Select(Escape))).Append(" |\n");
        sb.Append('|').Append(string.Concat(Columns.Select((_, i) => i == 0 ? "---|" : "---:|"))).Append('\n');
        foreach (var row in _rows) sb.Append("| ").Append(string.Join(" | ", row.Select(Escape))).Append(" |\n");
        return sb.ToString();
    }

    /// <summary>Writes <c>&lt;Name&gt;.json</c> and <c>&lt;Name&gt;.md</c> into <paramref name="directory"/> (created if missing).</summary>
    /// <returns>The paths of the two files.</returns>
    public (string Json, string Markdown) Write(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        string json = Path.Combine(directory, Name + ".json"), md = Path.Combine(directory, Name + ".md");
        File.WriteAllText(json, ToJson());
        File.WriteAllText(md, ToMarkdown());
        return (json, md);
    }

    /// <summary>A fraction in [0, 1] as a percentage with two decimals (<c>84.61</c>).</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>The report of one or more kNN evaluations: one row per (vote, k).</summary>
    public static EvalReport FromKnn(IReadOnlyList<KnnResult> results, string name = "knn")
    {
        ArgumentNullException.ThrowIfNull(results);
        var report = new EvalReport(name, "kNN", ["vote", "metric", "k", "top-1 (%)", "top-5 (%)"], results.Count == 1 ? results[0] : results);
        foreach (var r in results)
        {
            string vote = r.Weighting == KnnWeighting.Uniform ? "majority"
                : string.Create(CultureInfo.InvariantCulture, $"weighted (T {r.Temperature})");
            foreach (var s in r.Scores)
                report.AddRow(vote, r.Metric.ToString().ToLowerInvariant(), s.K.ToString(CultureInfo.InvariantCulture), Percent(s.Top1), Percent(s.Top5));
        }
        if (results.Count > 0)
            report.With("queries", results[0].QueryCount.ToString(CultureInfo.InvariantCulture))
                .With("bank", results[0].BankCount.ToString(CultureInfo.InvariantCulture));
        return report;
    }

    /// <summary>The report of a linear probe: one row.</summary>
    public static EvalReport FromLinearProbe(LinearProbeResult result, string name = "linear")
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        return new EvalReport(name, "Linear probe", ["features", "top-1 (%)", "top-5 (%)", "train top-1 (%)", "epochs", "optimizer", "lr"], result)
            .AddRow(result.FeatureDim.ToString(CultureInfo.InvariantCulture), Percent(result.Top1), Percent(result.Top5), Percent(result.TrainTop1),
                o.Epochs.ToString(CultureInfo.InvariantCulture), o.Optimizer, o.LearningRate.ToString(CultureInfo.InvariantCulture))
            .With("train rows", result.TrainCount.ToString(CultureInfo.InvariantCulture))
            .With("test rows", result.TestCount.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The <c>features</c> entry of a report on the raw-pixel baseline (<c>eval knn|linear --raw-pixels</c>).</summary>
    public const string RawPixelFeatures = "raw pixels (flattened, /255), not the checkpoint's encoder";

    /// <summary>The report of a fine-tuning run: one row.</summary>
    public static EvalReport FromFineTune(FineTuneResult result, string name = "finetune")
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        return new EvalReport(name, "Fine-tuning", ["top-1 (%)", "top-5 (%)", "train top-1 (%)", "epochs", "lr", "final loss"], result)
            .AddRow(Percent(result.Top1), Percent(result.Top5), Percent(result.TrainTop1), o.Epochs.ToString(CultureInfo.InvariantCulture),
                o.LearningRate.ToString(CultureInfo.InvariantCulture), result.EpochLosses[^1].ToString("F4", CultureInfo.InvariantCulture))
            .With("train images", result.TrainCount.ToString(CultureInfo.InvariantCulture))
            .With("test images", result.TestCount.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The report of a guillotine probe: one row per cut.</summary>
    public static EvalReport FromGuillotine(GuillotineResult result, string name = "guillotine")
    {
        ArgumentNullException.ThrowIfNull(result);
        int k = result.Layers[0].Knn.Scores[0].K;
        var report = new EvalReport(name, "Guillotine probe (features at each cut)",
            ["cut", "width", $"kNN top-1, k={k} (%)", "linear top-1 (%)", "linear top-5 (%)"], result);
        foreach (var l in result.Layers)
            report.AddRow(l.Name, l.Width.ToString(CultureInfo.InvariantCulture), Percent(l.Knn.Scores[0].Top1), Percent(l.Linear.Top1), Percent(l.Linear.Top5));
        return report.With("best linear", result.BestLinear.Name).With("best kNN", result.BestKnn.Name);
    }

    /// <summary>
    /// The report of the label-free diagnostics (<c>sslsharp eval rank</c>): one column per metric and
    /// one row of values (4 significant digits, <c>n/a</c> when not finite), so rows of several
    /// checkpoints can be pasted under one header. The JSON result maps each metric name to its value
    /// (null when not finite).
    /// </summary>
    /// <param name="metrics">(name, value) pairs in table order, e.g. <see cref="Diagnostics.DiagnosticsResult.Metrics"/>.</param>
    /// <param name="name">File stem.</param>
    public static EvalReport FromDiagnostics(IReadOnlyList<KeyValuePair<string, double>> metrics, string name = "rank")
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Count == 0) throw new ArgumentException("The diagnostics report needs at least one metric.", nameof(metrics));
        var values = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var (k, v) in metrics) values[k] = double.IsFinite(v) ? v : null;
        return new EvalReport(name, "Label-free diagnostics", metrics.Select(m => m.Key).ToArray(), values)
            .AddRow(metrics.Select(m => double.IsFinite(m.Value) ? m.Value.ToString("G4", CultureInfo.InvariantCulture) : "n/a").ToArray());
    }

    /// <summary>
    /// The report of a decoder evaluation (<c>sslsharp eval decoder</c>): one row (held-out MSE,
    /// mean-image MSE, fraction of its error removed, epochs). The JSON result holds the numbers
    /// (<c>test_mse</c>, <c>mean_image_mse</c> on normalised pixels, per-epoch curves) and the settings.
    /// </summary>
    /// <param name="result">The evaluation.</param>
    /// <param name="options">The settings used.</param>
    /// <param name="name">File stem.</param>
    /// <param name="grid">File name of the reconstruction grid written with it (null: <see cref="Decoder.DecoderResult.GridFileName"/>).</param>
    public static EvalReport FromDecoder(Decoder.DecoderResult result, Decoder.DecoderOptions options, string name = "decoder", string? grid = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        var ci = CultureInfo.InvariantCulture;
        var numbers = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["test_mse"] = result.TestMse,
            ["mean_image_mse"] = result.MeanImageMse,
            ["explained_fraction"] = double.IsFinite(result.ExplainedFraction) ? result.ExplainedFraction : null,
            ["train_mse_per_epoch"] = result.TrainMsePerEpoch,
            ["test_mse_per_epoch"] = result.TestMsePerEpoch,
            ["train_images"] = result.TrainCount,
            ["test_images"] = result.TestCount,
            ["feature_dim"] = result.FeatureDim,
            ["epochs"] = options.Epochs,
            ["batch_size"] = options.BatchSize,
            ["learning_rate"] = options.LearningRate,
            ["seed"] = options.Seed,
            ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 2),
            ["grid"] = grid ?? Decoder.DecoderResult.GridFileName,
        };
        return new EvalReport(name, "Decoder on frozen features", ["decoder held-out MSE", "mean-image MSE", "explained (%)", "epochs"], numbers)
            .AddRow(result.TestMse.ToString("F4", ci), result.MeanImageMse.ToString("F4", ci),
                double.IsFinite(result.ExplainedFraction) ? (100 * result.ExplainedFraction).ToString("F1", ci) : "n/a",
                options.Epochs.ToString(ci));
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
