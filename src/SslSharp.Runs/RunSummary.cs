using System.Globalization;
using System.Text;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Reporting;
using SslSharp.Runs;
using SslSharp.Training.Logging;

namespace SslSharp.Runs;

/// <summary>
/// The human-readable record of a finished run, written as <c>summary.md</c> into the run folder:
/// what was trained, how long it took, where it ended, kNN accuracy, the command, and links to
/// the run's files.
/// </summary>
public sealed record RunSummary
{
    /// <summary>File name of the summary in a run folder.</summary>
    public const string FileName = "summary.md";

    /// <summary>Method name (e.g. <c>SimCLR</c>).</summary>
    public required string Method { get; init; }

    /// <summary>Data set name (e.g. <c>fashion-mnist</c>).</summary>
    public string? Dataset { get; init; }

    /// <summary>Backbone name (e.g. <c>resnet18-cifar</c>).</summary>
    public string? Backbone { get; init; }

    /// <summary>Epochs trained.</summary>
    public int Epochs { get; init; }

    /// <summary>Optimizer steps taken.</summary>
    public long Steps { get; init; }

    /// <summary>Images per optimizer step (global batch).</summary>
    public int BatchSize { get; init; }

    /// <summary>Batches accumulated per optimizer step (1: none).</summary>
    public int Accumulate { get; init; } = 1;

    /// <summary>Wall-clock duration of the run.</summary>
    public TimeSpan WallTime { get; init; }

    /// <summary>Optimizer steps this run took (a resumed run: those after the resume).</summary>
    public long StepsTaken { get; init; }

    /// <summary>Time inside those steps, without evaluations and checkpoints (<see cref="Training.TrainResult.StepTime"/>).</summary>
    public TimeSpan StepTime { get; init; }

    /// <summary>Loss at the end of training (e.g. <see cref="MetricsTable.MeanOfLast"/> of <c>loss</c>); null when unknown.</summary>
    public double? FinalLoss { get; init; }

    /// <summary>The last kNN evaluation (e.g. <see cref="KnnCallback.LastResult"/>); null when none ran.</summary>
    public KnnResult? Knn { get; init; }

    /// <summary>The command line that started the run.</summary>
    public string? CommandLine { get; init; }

    /// <summary>Further rows for the overview table (name, value), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extra { get; init; } = [];

    /// <summary>Metrics file, relative to the run folder; null for none.</summary>
    public string? MetricsFile { get; init; } = "metrics.csv";

    /// <summary>Loss / lr plot, relative to the run folder; null for none.</summary>
    public string? PlotFile { get; init; } = TrainingPlots.LossPlotFile;

    /// <summary>kNN plot, relative to the run folder; null for none.</summary>
    public string? KnnPlotFile { get; init; }

    /// <summary>Resolved configuration, relative to the run folder; null for none.</summary>
    public string? ConfigFile { get; init; } = RunConfig.FileName;

    /// <summary>Final checkpoint, relative to the run folder; null for none.</summary>
    public string? CheckpointFile { get; init; }

    /// <summary>Renders the summary as Markdown.</summary>
    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"# {Method}").Append(Dataset is null ? "" : $" on {Dataset}").AppendLine().AppendLine();
        sb.AppendLine("| | |").AppendLine("|---|---|");
        Row(sb, "method", Method);
        if (Dataset is not null) Row(sb, "dataset", Dataset);
        if (Backbone is not null) Row(sb, "backbone", Backbone);
        Row(sb, "epochs", Epochs.ToString(ci));
        Row(sb, "steps", Steps.ToString(ci));
        Row(sb, "batch size", BatchSize.ToString(ci));
        if (Accumulate > 1)
            Row(sb, "gradient accumulation", string.Create(ci,
                $"{Accumulate} batches per step: effective batch {Accumulate * BatchSize}, but the loss is computed per batch of {BatchSize} (negatives, covariance and BatchNorm statistics see {BatchSize} images)"));
        Row(sb, "wall time", FormatDuration(WallTime));
        if (StepsTaken > 0 && StepTime > TimeSpan.Zero && BatchSize > 0)
            Row(sb, "throughput", string.Create(ci,
                $"{StepsTaken * (double)BatchSize * Accumulate / StepTime.TotalSeconds:F1} images/s in training steps ({StepsTaken} steps in {FormatDuration(StepTime)}; the wall time adds evaluations and checkpoints)"));
        Row(sb, "final loss", FinalLoss is { } l ? l.ToString("G6", ci) : "n/a");
        foreach (var (name, value) in Extra) Row(sb, name, value);
        sb.AppendLine();

        if (Knn is not null)
        {
            sb.AppendLine("## kNN accuracy").AppendLine();
            sb.Append(ci, $"{Knn.QueryCount} queries against a bank of {Knn.BankCount}; {Describe(Knn)}.").AppendLine().AppendLine();
            sb.AppendLine("| k | top-1 (%) | top-5 (%) |").AppendLine("|---:|---:|---:|");
            foreach (var s in Knn.Scores)
                sb.Append(ci, $"| {s.K} | {100 * s.Top1:F2} | {100 * s.Top5:F2} |").AppendLine();
            sb.AppendLine();
        }

        if (!string.IsNullOrWhiteSpace(CommandLine))
            sb.AppendLine("## Command").AppendLine().AppendLine("```").AppendLine(CommandLine).AppendLine("```").AppendLine();

        var links = new List<(string Label, string? File)>
        {
            ("metrics", MetricsFile), ("loss and learning rate", PlotFile), ("kNN accuracy", KnnPlotFile),
            ("configuration", ConfigFile), ("checkpoint", CheckpointFile),
        }.Where(t => t.File is not null).ToList();
        if (links.Count > 0)
        {
            sb.AppendLine("## Files").AppendLine();
            foreach (var (label, file) in links)
                sb.Append(ci, $"- {label}: [{file}]({Uri.EscapeDataString(file!).Replace("%2F", "/", StringComparison.Ordinal)})").AppendLine();
            if (PlotFile is not null && PlotFile.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                sb.AppendLine().Append(ci, $"![loss and learning rate]({PlotFile})").AppendLine();
            if (KnnPlotFile is not null && KnnPlotFile.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                sb.AppendLine().Append(ci, $"![kNN accuracy]({KnnPlotFile})").AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>Writes <see cref="FileName"/> into <paramref name="runDirectory"/> (created if needed) and returns its path.</summary>
    public string Write(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, FileName);
        File.WriteAllText(path, ToMarkdown());
        return path;
    }

    private static string Describe(KnnResult r)
    {
        string metric = r.Metric == KnnMetric.Cosine ? "cosine similarity" : "Euclidean distance";
        string votes = r.Weighting == KnnWeighting.Exponential
            ? string.Create(CultureInfo.InvariantCulture, $"votes weighted exp(s / {r.Temperature:G})")
            : "majority vote";
        return $"{metric}, {votes}";
    }

    private static void Row(StringBuilder sb, string name, string value) =>
        sb.Append("| ").Append(name).Append(" | ").Append(value.Replace("|", "\\|", StringComparison.Ordinal)).AppendLine(" |");

    private static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours} h {t.Minutes:D2} min {t.Seconds:D2} s")
            : t.TotalMinutes >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{t.Minutes} min {t.Seconds:D2} s")
                : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F1} s");
}
