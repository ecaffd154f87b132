using SslSharp.Reporting;
using SslSharp.Runs.Reports;
using SslSharp.Runs;
using SslSharp.Tests.Logging;
using SslSharp.Training.Logging;

namespace SslSharp.Tests.Reporting;

public class RunReportTests
{
    /// <summary>A run folder as another run would leave it, without a checkpoint: metrics, logged diagnostics, spectra, results.</summary>
    private static void WriteSyntheticRun(string dir)
    {
        TrainingPlotsTests.WriteMetrics(dir);   // loss, lr and kNN over 4 epochs of 25 steps
        var logged = new List<string> { MetricsCsv.Header };
        for (int e = 0; e < 4; e++)
        {
            long step = 25 * (e + 1);
            logged.Add(MetricsCsv.FormatRow(step, e, "online_probe_top1", 0.55 + 0.07 * e));
            logged.Add(MetricsCsv.FormatRow(step, e, "rankme_backbone", 20 + 5 * e));
            logged.Add(MetricsCsv.FormatRow(step, e, "rankme_embedding", 12 + 4 * e));
            logged.Add(MetricsCsv.FormatRow(step, e, "embedding_std", 0.05 + 0.01 * e));
            logged.Add(MetricsCsv.FormatRow(step, e, "alpha_req", 1.4 - 0.1 * e));
        }
        File.WriteAllLines(Path.Combine(dir, "logged.csv"), logged);
        File.WriteAllLines(Path.Combine(dir, "spectrum_backbone.csv"),
            new[] { "index,singular_value" }.Concat(Enumerable.Range(0, 64).Select(i => $"{i},{100 * Math.Exp(-i / 8.0)}")));
        File.WriteAllLines(Path.Combine(dir, "spectrum_embedding.csv"),
            new[] { "index,singular_value" }.Concat(Enumerable.Range(0, 32).Select(i => $"{i},{50 * Math.Exp(-i / 3.0)}")));
        File.WriteAllText(Path.Combine(dir, "linear.json"), """{ "evaluation": "linear", "top1": 0.8421, "top5": 0.991, "history": [0.5, 0.7, 0.83] }""");
        File.WriteAllText(Path.Combine(dir, "broken.json"), "{ not json");
        new RunSummary { Method = "SimCLR", Dataset = "synthetic", Epochs = 4, Steps = 100, BatchSize = 32, WallTime = TimeSpan.FromSeconds(42), FinalLoss = 2.5 }
            .Write(dir);
    }

    [Fact]
    public void A_folder_without_checkpoint_gets_every_section_with_the_plots_its_files_allow()
    {
        using var temp = new TempDirectory();
        WriteSyntheticRun(temp.Path);

        var result = RunReport.Write(temp.Path);

        var html = ReportFolderChecks.AssertComplete(temp.Path, result);
        Assert.Equal(new[] { "loss_lr.png", "knn.png", "probe.png", "spectrum.png", "rankme.png", "collapse.png" }, result.Images);
        // Spectra came from the CSV files; what needs the checkpoint says so.
        Assert.Contains("Spectra shown: backbone features (spectrum_backbone.csv); embeddings (spectrum_embedding.csv).", html);
        Assert.Contains(result.Notes, n => n.StartsWith("PCA of held-out features:", StringComparison.Ordinal) && n.Contains("No checkpoint"));
        Assert.Contains(result.Notes, n => n.StartsWith("Reconstructions:", StringComparison.Ordinal) && n.Contains("No checkpoint"));
        Assert.Contains(result.Notes, n => n.Contains("broken.json is not valid JSON"));
        // Final metrics: logged last values, the JSON result, the summary.
        Assert.Contains("<td>online_probe_top1</td><td class=\"num\">0.76</td>", html);
        Assert.Contains("<td>linear.json</td><td>top1</td><td class=\"num\">0.8421</td>", html);
        Assert.Contains("<td>history (last of 3)</td><td class=\"num\">0.83</td>", html);
        Assert.Contains("<td>rankme_embedding</td><td class=\"num\">24</td>", html);
        Assert.Contains("| logged (last) | alpha_req | 1.1 |", File.ReadAllText(result.MarkdownPath));
        Assert.DoesNotContain(result.Notes, n => n.Contains("RankMe was not logged"));
    }

    [Fact]
    public void An_empty_folder_still_gets_a_report_that_lists_what_is_missing()
    {
        using var temp = new TempDirectory();
        var result = RunReport.Write(temp.Path);
        ReportFolderChecks.AssertComplete(temp.Path, result);
        Assert.Empty(result.Images);
        Assert.Contains(result.Notes, n => n.Contains("summary.md is missing"));
        Assert.Contains(result.Notes, n => n.Contains("Metrics could not be read"));
        Assert.Contains(result.Notes, n => n.Contains("No spectrum is available"));
        Assert.Contains(result.Notes, n => n.Contains("RankMe"));
        Assert.Contains(result.Notes, n => n.Contains("No final metrics"));
    }

    [Fact]
    public void A_missing_folder_fails_with_a_clear_message()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => RunReport.Write(Path.Combine(Path.GetTempPath(), "no-such-run-" + Guid.NewGuid())));
        Assert.Contains("sslsharp pretrain", e.Message);
    }

    [Fact]
    public void A_damaged_checkpoint_is_reported_not_thrown()
    {
        using var temp = new TempDirectory();
        WriteSyntheticRun(temp.Path);
        File.WriteAllText(Path.Combine(temp.Path, "last.ckpt"), "not a checkpoint");
        var result = RunReport.Write(temp.Path);
        ReportFolderChecks.AssertComplete(temp.Path, result);
        Assert.Contains(result.Notes, n => n.Contains("could not be loaded") && n.Contains("not an SslSharp checkpoint"));
    }

    [Fact]
    public void Text_is_escaped_in_html_and_markdown_tables()
    {
        var doc = new ReportDocument("a <b> title", "sub");
        var s = doc.Add("x", "Section <1>");
        s.Notes.Add("<script>alert(1)</script>");
        s.Tables.Add(new ReportTable(["a|b", "c"], [["1|2", "<i>"]], [false, true]));
        using var temp = new TempDirectory();
        var html = ReportHtml.Render(doc, temp.Path);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains("<td class=\"num\">&lt;i&gt;</td>", html);
        var md = ReportMarkdown.Render(doc);
        Assert.Contains("| a\\|b | c |", md);
        Assert.Contains("|---|---:|", md);
        Assert.Contains("| 1\\|2 | <i> |", md);
    }
}
