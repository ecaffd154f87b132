using SslSharp.Reporting;
using SslSharp.Runs;
using SslSharp.Training.Logging;

namespace SslSharp.Runs.Reports;

/// <summary>
/// <c>sslsharp report RUN_DIR</c>: one page about a pretraining run, written as
/// <see cref="HtmlFile"/> (self-contained, images embedded) and <see cref="MarkdownFile"/> (images
/// linked) into the run folder. Sections: overview, loss and learning rate, kNN / probe accuracy,
/// singular-value spectra, RankMe and collapse diagnostics, PCA of held-out features, reconstructions
/// (an MAE's own, then a decoder's from frozen features), final metrics.
/// </summary>
/// <remarks>
/// Inputs are the run folder's files (<c>summary.md</c>, <c>metrics.csv</c> + <c>logged.csv</c>,
/// <c>spectrum_*.csv</c>, <c>reconstructions.png</c>, <c>*.json</c> results) and its checkpoint,
/// from which what is missing is computed on a fixed subset of held-out images. Every optional
/// input that is missing is stated in its section; nothing missing stops the report. Every image
/// is a PNG written into the run folder (ScottPlot; the grid with SkiaSharp).
/// </remarks>
public static class RunReport
{
    /// <summary>File name of the HTML report.</summary>
    public const string HtmlFile = "report.html";

    /// <summary>File name of the Markdown report.</summary>
    public const string MarkdownFile = "report.md";

    /// <summary>The section ids, in order.</summary>
    public static IReadOnlyList<string> SectionIds { get; } =
        ["overview", "training", "accuracy", "spectrum", "diagnostics", "pca", "reconstructions", "final-metrics"];

    /// <summary>Writes the report of <paramref name="runDirectory"/>.</summary>
    /// <param name="runDirectory">A run folder written by <c>sslsharp pretrain</c>.</param>
    /// <param name="options">Settings (null: <see cref="ReportOptions.Default"/>).</param>
    /// <param name="progress">(phase, done, total) while representations are computed and the decoder trains.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static ReportResult Write(string runDirectory, ReportOptions? options = null, Action<string, long, long>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        if (!Directory.Exists(runDirectory))
            throw new DirectoryNotFoundException($"Run folder '{runDirectory}' does not exist; pass the --out folder of 'sslsharp pretrain'.");
        options ??= ReportOptions.Default;
        var document = new ReportDocument(Title(runDirectory),
            $"Run folder {Path.GetFullPath(runDirectory)}; report written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by sslsharp report.");

        MetricsTable? metrics = null;
        string? metricsError = null;
        try
        {
            metrics = MetricsCsv.ReadRun(runDirectory);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            metricsError = e.Message;
        }

        MetricSections.Overview(document.Add(SectionIds[0], "Overview"), runDirectory);
        if (metricsError is not null) document.Sections[0].Notes.Add("Metrics could not be read: " + metricsError);
        MetricSections.Training(document.Add(SectionIds[1], "Loss and learning rate"), metrics, runDirectory);
        MetricSections.Accuracy(document.Add(SectionIds[2], "kNN and probe accuracy"), metrics, runDirectory);
        using (var fromCheckpoint = new CheckpointSections(runDirectory, options, progress))
        {
            fromCheckpoint.Spectrum(document.Add(SectionIds[3], "Singular-value spectrum"));
            MetricSections.Diagnostics(document.Add(SectionIds[4], "RankMe and collapse diagnostics"), metrics, runDirectory);
            fromCheckpoint.Pca(document.Add(SectionIds[5], "PCA of held-out features"));
            var reconstructions = document.Add(SectionIds[6], "Reconstructions");
            fromCheckpoint.MaskedReconstructions(reconstructions);
            fromCheckpoint.Reconstructions(reconstructions);
        }
        MetricSections.Final(document.Add(SectionIds[7], "Final metrics"), metrics, runDirectory);

        var html = Path.Combine(runDirectory, HtmlFile);
        File.WriteAllText(html, ReportHtml.Render(document, runDirectory));
        var md = Path.Combine(runDirectory, MarkdownFile);
        File.WriteAllText(md, ReportMarkdown.Render(document));
        return new ReportResult(html, md, document.Sections.SelectMany(s => s.Images).Select(i => i.File).ToList(),
            document.Sections.SelectMany(s => s.Notes.Select(n => $"{s.Title}: {n}")).ToList());
    }

    private static string Title(string runDirectory)
    {
        var summary = Path.Combine(runDirectory, RunSummary.FileName);
        var heading = File.Exists(summary) ? File.ReadLines(summary).FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal)) : null;
        var name = heading?[2..].Trim() ?? Path.GetFileName(Path.GetFullPath(runDirectory).TrimEnd(Path.DirectorySeparatorChar));
        return $"Run report: {name}";
    }
}
