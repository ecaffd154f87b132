using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Evaluation.Probes;
using SslSharp.Evaluation.Spectral;
using SslSharp.Reporting;
using SslSharp.Runs;
using SslSharp.Tests.Logging;
using SslSharp.Training.Logging;

namespace SslSharp.Tests.Reporting;

public class FinalMetricsTests
{
    [Fact]
    public void Summary_rows_are_the_knn_table_and_the_baseline_rows()
    {
        using var temp = new TempDirectory();
        var knn = new KnnResult([new KnnScore(20, 0.8135, 0.986), new KnnScore(200, 0.773, 0.996)], 2000, 8000, KnnMetric.Cosine, KnnWeighting.Exponential, 0.07);
        var path = new RunSummary
        {
            Method = "simclr", Epochs = 1, Steps = 3, BatchSize = 8, FinalLoss = 2.5, Knn = knn,
            Extra = [new("raw-pixel kNN top-1, k=20 (baseline)", "78.95 %"), new("backbone", "convnet")],
        }.Write(temp.Path);

        var rows = FinalMetrics.FromSummary(path).Select(r => string.Join(" / ", r)).ToList();

        Assert.Contains("summary.md / final loss / 2.5", rows);
        Assert.Contains("summary.md / raw-pixel kNN top-1, k=20 (baseline) / 78.95 %", rows);
        Assert.Contains("summary.md / kNN top-1 (%), k = 20 / 81.35", rows);
        Assert.Contains("summary.md / kNN top-5 (%), k = 200 / 99.60", rows);
        Assert.DoesNotContain(rows, r => r.Contains("convnet"));
    }

    [Fact]
    public void Json_numbers_are_flattened_with_dotted_names()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "probe.json");
        File.WriteAllText(path, """{ "name": "x", "top1": 0.5, "nested": { "k": 3, "ok": true, "seed": 1 }, "epochs": 5, "curve": [1, 2, 0.25], "empty": [] }""");
        var rows = FinalMetrics.FromJson(path).Select(r => string.Join(" / ", r)).ToList();
        Assert.Equal(new[] { "probe.json / top1 / 0.5", "probe.json / nested.k / 3", "probe.json / curve (last of 3) / 0.25" }, rows);
    }

    [Fact]
    public void An_eval_report_contributes_its_result_numbers_only()
    {
        using var temp = new TempDirectory();
        var probe = new LinearProbeResult(0.9, 0.99, 0.95, [1.0, 0.5], 64, 10, 100, 50, 20, LinearProbeOptions.Default);
        var (json, _) = EvalReport.FromLinearProbe(probe).Write(temp.Path);
        var rows = FinalMetrics.FromJson(json).Select(r => string.Join(" / ", r)).ToList();
        Assert.Contains("linear.json / top1 / 0.9", rows);
        Assert.Contains("linear.json / top5 / 0.99", rows);
        Assert.DoesNotContain(rows, r => r.Contains("result.") || r.Contains("rows") || r.Contains("learning_rate"));
    }

    [Fact]
    public void Spectrum_files_are_read_by_column_name_and_bad_ones_fail_clearly()
    {
        using var temp = new TempDirectory();
        var good = Path.Combine(temp.Path, "a.csv");
        File.WriteAllText(good, "singular_value,index\n3.5,0\n1e-3,1\n");
        Assert.Equal(new[] { 3.5, 1e-3 }, SpectrumCsv.Read(good));
        var bad = Path.Combine(temp.Path, "b.csv");
        File.WriteAllText(bad, "index,value\n0,1\n");
        Assert.Contains("no 'singular_value' column", Assert.Throws<InvalidDataException>(() => SpectrumCsv.Read(bad)).Message);
        File.WriteAllText(bad, "index,singular_value\n0,abc\n");
        Assert.Contains("line 2", Assert.Throws<InvalidDataException>(() => SpectrumCsv.Read(bad)).Message);
    }
}
