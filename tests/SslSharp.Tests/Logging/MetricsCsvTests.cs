using SslSharp.Training.Logging;

namespace SslSharp.Tests.Logging;

public class MetricsCsvTests
{
    [Fact]
    public void Reads_the_long_format_ignoring_blank_and_malformed_rows()
    {
        var text = string.Join('\n',
            MetricsCsv.Header,
            MetricsCsv.FormatRow(0, 0, "loss", 5.5),
            MetricsCsv.FormatRow(0, 0, "lr", 0.001),
            "",
            "1,0,loss,5.25",
            "1,0,images_per_s,812.5",
            "not,a,row",
            "2,1,loss,nan",
            "2,1,knn_top1_k20,0.5");
        var t = MetricsCsv.Parse(new StringReader(text));
        Assert.Equal(new[] { "images_per_s", "knn_top1_k20", "loss", "lr" }, t.Names);
        Assert.Equal(new[] { 5.5, 5.25 }, t.Series("loss").Take(2).Select(p => p.Value));
        Assert.True(double.IsNaN(t.Series("loss")[2].Value));
        Assert.Equal(5.25, t.Last("loss"));
        Assert.Equal((5.5 + 5.25) / 2, t.MeanOfLast("loss", 5));
        Assert.Equal(1, t.SkippedRows);
        Assert.Empty(t.Series("missing"));
        Assert.Null(t.Last("missing"));
        Assert.Equal(2, t.StepsPerEpoch());
        Assert.Equal(1, t.Series("knn_top1_k20")[0].Epoch);
    }

    [Fact]
    public void Reads_reordered_headerless_and_wide_files()
    {
        var reordered = MetricsCsv.Parse(new StringReader("name,value,step,epoch\nloss,2.5,7,1\n"));
        Assert.Equal(new MetricPoint(7, 1, 2.5), reordered.Series("loss")[0]);

        var headerless = MetricsCsv.Parse(new StringReader("3,0,loss,1.5\n"));
        Assert.Equal(new MetricPoint(3, 0, 1.5), headerless.Series("loss")[0]);

        var wide = MetricsCsv.Parse(new StringReader("step,epoch,loss,lr\n0,0,4.0,0.1\n1,0,3.5,\n"));
        Assert.Equal(2, wide.Series("loss").Count);
        Assert.Single(wide.Series("lr"));

        var noEpoch = MetricsCsv.Parse(new StringReader("step,loss\n5,1.0\n"));
        Assert.Equal(-1, noEpoch.Series("loss")[0].Epoch);
    }

    [Fact]
    public void Formats_round_trippable_invariant_rows_and_rejects_bad_names()
    {
        Assert.Equal("12,3,loss,0.1", MetricsCsv.FormatRow(12, 3, "loss", 0.1));
        Assert.Throws<ArgumentException>(() => MetricsCsv.FormatRow(0, 0, "a,b", 1));
        Assert.Throws<FileNotFoundException>(() => MetricsCsv.Read("/nonexistent/metrics.csv"));
        Assert.Throws<InvalidDataException>(() => MetricsCsv.Parse(new StringReader("epoch,name,value\n")));
    }
}
