using System.Globalization;
using System.Text.Json;
using SslSharp.Reporting;
using SslSharp.Runs;
using SslSharp.Training.Logging;

namespace SslSharp.Runs.Reports;

/// <summary>The report sections drawn from the run's logged metrics and result files.</summary>
internal static class MetricSections
{
    /// <summary>File name of the probe-accuracy plot.</summary>
    public const string ProbePlotFile = "probe.png";

    /// <summary>File name of the RankMe plot.</summary>
    public const string RankMePlotFile = "rankme.png";

    /// <summary>File name of the collapse-diagnostics plot (embedding std, alpha-ReQ).</summary>
    public const string CollapsePlotFile = "collapse.png";

    /// <summary>Overview: the first table of <c>summary.md</c>.</summary>
    public static void Overview(ReportSection section, string runDirectory)
    {
        var summary = Path.Combine(runDirectory, RunSummary.FileName);
        if (!File.Exists(summary))
        {
            section.Notes.Add($"{RunSummary.FileName} is missing: the run did not finish, or the folder was not written by 'sslsharp pretrain'.");
            return;
        }
        var rows = new List<IReadOnlyList<string>>();
        bool inTable = false;
        foreach (var raw in File.ReadLines(summary))
        {
            var line = raw.Trim();
            if (!line.StartsWith('|')) { if (inTable) break; continue; }
            inTable = true;
            var cells = line.Trim('|').Split('|').Select(c => c.Trim().Replace("\\", "", StringComparison.Ordinal)).ToArray();
            if (cells.Length == 2 && cells[0].Length > 0 && cells[0].Trim('-', ':').Length > 0) rows.Add(cells);
        }
        if (rows.Count > 0) section.Tables.Add(new ReportTable(["", "value"], rows));
        else section.Notes.Add($"{RunSummary.FileName} has no overview table.");
        foreach (var f in new[] { "config.yaml", MetricsCsv.MetricsFile, MetricsCsv.LoggedFile })
            if (!File.Exists(Path.Combine(runDirectory, f))) section.Notes.Add($"{f} is missing from the run folder.");
    }

    /// <summary>Loss and learning-rate curves.</summary>
    public static void Training(ReportSection section, MetricsTable? metrics, string runDirectory)
    {
        if (metrics is null) { section.Notes.Add("No metrics: loss and learning-rate curves cannot be drawn."); return; }
        if (TrainingPlots.LossAndLr(metrics, Path.Combine(runDirectory, TrainingPlots.LossPlotFile)))
            section.Images.Add(new ReportImage(TrainingPlots.LossPlotFile,
                "Training loss per optimizer step (faint: raw, dark: smoothed) and learning rate (right axis)."));
        else section.Notes.Add("Neither 'loss' nor 'lr' was logged.");
    }

    /// <summary>kNN and probe accuracy over epochs.</summary>
    public static void Accuracy(ReportSection section, MetricsTable? metrics, string runDirectory)
    {
        if (metrics is null) { section.Notes.Add("No metrics: accuracy curves cannot be drawn."); return; }
        if (TrainingPlots.KnnAccuracy(metrics, Path.Combine(runDirectory, TrainingPlots.KnnPlotFile)))
            section.Images.Add(new ReportImage(TrainingPlots.KnnPlotFile,
                "Weighted kNN accuracy of the held-out images against the training set, per evaluation (solid: top-1, dashed: top-5)."));
        else section.Notes.Add("No kNN accuracy was logged (knn_top1_k*).");
        var probes = ProbeNames(metrics);
        bool fractions = probes.SelectMany(metrics.Series).All(p => !double.IsFinite(p.Value) || Math.Abs(p.Value) <= 1);
        if (probes.Count > 0 && ReportPlots.OverEpochs(metrics, probes, [], "Probe accuracy", "accuracy (%)", "",
                Path.Combine(runDirectory, ProbePlotFile), fractions ? 100 : 1))
            section.Images.Add(new ReportImage(ProbePlotFile,
                "Probe accuracy over epochs. The online probe (online_probe_top1) trains alongside the SSL loss on detached features and is scored on the augmented training batches before each update: a cheap signal that can mislead (Balestriero et al., 2023)."));
        else section.Notes.Add("No probe accuracy was logged (e.g. online_probe_top1).");
    }

    /// <summary>RankMe and the other collapse diagnostics over epochs.</summary>
    public static void Diagnostics(ReportSection section, MetricsTable? metrics, string runDirectory)
    {
        section.Paragraphs.Add("RankMe (Garrido et al., 2023) is the exponential of the entropy of the normalised singular values of the " +
                               "embeddings: an effective dimensionality that falls when the representation collapses. The standard deviation " +
                               "of L2-normalised embeddings tends to 0 under collapse and to 1/sqrt(D) when healthy; alpha-ReQ " +
                               "(Agrawal et al., 2022) is the decay exponent of the covariance eigenvalues.");
        if (metrics is null) { section.Notes.Add("No metrics: RankMe and collapse diagnostics cannot be drawn."); return; }
        var rankMe = metrics.Names.Where(n => n.StartsWith("rankme", StringComparison.Ordinal)).ToList();
        if (rankMe.Count > 0 && ReportPlots.OverEpochs(metrics, rankMe, [], "RankMe over training", "RankMe (effective rank)", "",
                Path.Combine(runDirectory, RankMePlotFile)))
            section.Images.Add(new ReportImage(RankMePlotFile, "RankMe of backbone features and embeddings over epochs."));
        else section.Notes.Add("RankMe was not logged during this run (rankme_backbone, rankme_embedding).");
        var std = metrics.Names.Where(n => n.EndsWith("_std", StringComparison.Ordinal) && !n.Contains("probe", StringComparison.Ordinal)).ToList();
        var alpha = metrics.Names.Where(n => n.StartsWith("alpha_req", StringComparison.Ordinal)).ToList();
        if (std.Count + alpha.Count > 0 && ReportPlots.OverEpochs(metrics, std, alpha, "Collapse diagnostics", "std of L2-normalised embedding",
                "alpha-ReQ", Path.Combine(runDirectory, CollapsePlotFile)))
            section.Images.Add(new ReportImage(CollapsePlotFile, "Standard deviation of L2-normalised embeddings (left) and alpha-ReQ (right) over epochs."));
        else section.Notes.Add("Neither embedding_std nor alpha_req was logged during this run.");
    }

    /// <summary>The final-metrics table: logged last values, summary.md, and every *.json result in the folder.</summary>
    public static void Final(ReportSection section, MetricsTable? metrics, string runDirectory)
    {
        var rows = new List<IReadOnlyList<string>>();
        if (metrics is not null)
        {
            if (metrics.MeanOfLast("loss", 20) is { } loss) rows.Add([MetricsCsv.MetricsFile, "loss (mean of the last 20 steps)", FinalMetrics.Format(loss)]);
            foreach (var name in metrics.Names.Where(IsFinalMetric))
                if (metrics.Last(name) is { } v) rows.Add(["logged (last)", name, FinalMetrics.Format(v)]);
        }
        var summary = Path.Combine(runDirectory, RunSummary.FileName);
        if (File.Exists(summary)) rows.AddRange(FinalMetrics.FromSummary(summary));
        foreach (var json in Directory.GetFiles(runDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                rows.AddRange(FinalMetrics.FromJson(json));
            }
            catch (JsonException e)
            {
                section.Notes.Add($"{Path.GetFileName(json)} is not valid JSON ({e.Message}); left out.");
            }
        }
        if (rows.Count > 0) section.Tables.Add(new ReportTable(["source", "metric", "value"], rows, [false, false, true]));
        else section.Notes.Add("No final metrics were found (no metrics, summary.md or *.json results).");
    }

    private static bool IsFinalMetric(string name) =>
        name.StartsWith("knn_", StringComparison.Ordinal) || name.Contains("probe", StringComparison.Ordinal) ||
        name.StartsWith("rankme", StringComparison.Ordinal) || name.StartsWith("alpha_req", StringComparison.Ordinal) ||
        name == "embedding_std";

    private static List<string> ProbeNames(MetricsTable metrics) =>
        metrics.Names.Where(n => n.Contains("probe", StringComparison.OrdinalIgnoreCase) &&
                                 (n.Contains("top", StringComparison.OrdinalIgnoreCase) || n.Contains("acc", StringComparison.OrdinalIgnoreCase)))
            .ToList();

    /// <summary>Formats a fraction as a percentage with one decimal.</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + " %";
}
