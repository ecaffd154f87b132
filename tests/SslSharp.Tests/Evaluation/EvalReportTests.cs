using System.Text.Json;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Evaluation.Probes;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Evaluation;

public class EvalReportTests
{
    [Fact]
    public void Writes_the_table_as_markdown_and_everything_as_json()
    {
        using var temp = new TempDir();
        var knn = new KnnResult([new KnnScore(20, 0.8461, 0.981), new KnnScore(200, 0.8, 0.99)], 2000, 8000, KnnMetric.Cosine, KnnWeighting.Exponential, 0.07);
        var majority = knn with { Weighting = KnnWeighting.Uniform };
        var report = EvalReport.FromKnn([knn, majority]).With("checkpoint", "a|b.ckpt");

        var (json, md) = report.Write(temp.File("out"));

        Assert.Equal(temp.File(Path.Combine("out", "knn.json")), json);
        var text = File.ReadAllText(md);
        Assert.Contains("| vote | metric | k | top-1 (%) | top-5 (%) |", text);
        Assert.Contains("|---|---:|---:|---:|---:|", text);
        Assert.Contains("| weighted (T 0.07) | cosine | 20 | 84.61 | 98.10 |", text);
        Assert.Contains("| majority | cosine | 200 | 80.00 | 99.00 |", text);
        Assert.Contains("- checkpoint: a\\|b.ckpt", text);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("rows").GetArrayLength());
        Assert.Equal("Uniform", root.GetProperty("result")[1].GetProperty("weighting").GetString());
        Assert.Equal(0.8461, root.GetProperty("result")[0].GetProperty("scores")[0].GetProperty("top1").GetDouble());
        Assert.Equal("8000", root.GetProperty("metadata").GetProperty("bank").GetString());
    }

    [Fact]
    public void Rejects_rows_of_the_wrong_width_and_names_that_are_not_file_stems()
    {
        var r = new EvalReport("x", "X", ["a", "b"]);
        Assert.Contains("needs 2 cells", Assert.Throws<ArgumentException>(() => r.AddRow("1")).Message);
        Assert.Throws<ArgumentException>(() => new EvalReport("../x", "X", ["a"]));
        Assert.Throws<ArgumentException>(() => new EvalReport("x", "X", []));
    }

    [Fact]
    public void Probe_and_guillotine_reports_have_one_row_per_result_or_cut()
    {
        var probe = new LinearProbeResult(0.9, 0.99, 0.95, [1.0, 0.5], 64, 10, 100, 50, 20, LinearProbeOptions.Default);
        var linear = EvalReport.FromLinearProbe(probe);
        Assert.Equal(["64", "90.00", "99.00", "95.00", "10", "sgd", "0.1"], linear.Rows.Single());
        using (var doc = JsonDocument.Parse(linear.ToJson()))
            Assert.Equal(0.9, doc.RootElement.GetProperty("result").GetProperty("top1").GetDouble());

        var knn = new KnnResult([new KnnScore(20, 0.5, 0.9)], 50, 100, KnnMetric.Cosine, KnnWeighting.Exponential, 0.07);
        var g = new GuillotineResult([new GuillotineLayer("backbone", 64, knn, probe), new GuillotineLayer("projector.0 Linear", 32, knn, probe with { Top1 = 0.7 })]);
        var report = EvalReport.FromGuillotine(g);
        Assert.Equal(2, report.Rows.Count);
        Assert.Equal("backbone", report.Metadata["best linear"]);
        Assert.Equal("projector.0 Linear", report.Rows[1][0]);
    }

    [Fact]
    public void Diagnostics_report_has_one_column_per_metric_and_nulls_for_non_finite_values()
    {
        var report = EvalReport.FromDiagnostics([new("rankme_backbone", 12.3456), new("alpha_req", double.NaN)]);
        Assert.Equal("rank", report.Name);
        Assert.Equal(["rankme_backbone", "alpha_req"], report.Columns);
        Assert.Equal(["12.35", "n/a"], report.Rows.Single());
        using var doc = JsonDocument.Parse(report.ToJson());
        Assert.Equal(12.3456, doc.RootElement.GetProperty("result").GetProperty("rankme_backbone").GetDouble());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("result").GetProperty("alpha_req").ValueKind);
    }
}
