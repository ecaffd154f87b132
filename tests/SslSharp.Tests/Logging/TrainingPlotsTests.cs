using SslSharp.Reporting;
using SslSharp.Training.Logging;

namespace SslSharp.Tests.Logging;

public class TrainingPlotsTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A plausible run: 4 epochs x 25 steps, cosine lr with warm-up, noisy falling loss, kNN each epoch.</summary>
    internal static string WriteMetrics(string folder, bool withKnn = true, bool withLr = true)
    {
        var rng = new Random(0);
        var lines = new List<string> { MetricsCsv.Header };
        const int steps = 100, perEpoch = 25;
        for (int s = 0; s < steps; s++)
        {
            int epoch = s / perEpoch;
            double loss = 6 * Math.Exp(-s / 40.0) + 2 + 0.3 * (rng.NextDouble() - 0.5);
            double lr = s < 10 ? 0.3 * (s + 1) / 10 : 0.15 * (1 + Math.Cos(Math.PI * (s - 10) / (steps - 10)));
            lines.Add(MetricsCsv.FormatRow(s, epoch, "loss", loss));
            if (withLr) lines.Add(MetricsCsv.FormatRow(s, epoch, "lr", lr));
            lines.Add(MetricsCsv.FormatRow(s, epoch, "images_per_s", 900 + s));
            if (withKnn && (s + 1) % perEpoch == 0)
            {
                lines.Add(MetricsCsv.FormatRow(s + 1, epoch, "knn_top1_k20", 0.5 + 0.08 * epoch));
                lines.Add(MetricsCsv.FormatRow(s + 1, epoch, "knn_top5_k20", 0.8 + 0.04 * epoch));
                lines.Add(MetricsCsv.FormatRow(s + 1, epoch, "knn_top1_k200", 0.48 + 0.08 * epoch));
            }
        }
        var path = Path.Combine(folder, "metrics.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static void AssertPng(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5000, $"PNG is suspiciously small ({bytes.Length} bytes)");
        Assert.Equal(PngSignature, bytes[..8]);
        // IHDR: width and height, big-endian, at bytes 16..23.
        Assert.Equal(width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void Loss_and_lr_plot_is_a_valid_png_of_the_requested_size()
    {
        using var dir = new TempDirectory();
        var csv = WriteMetrics(dir.Path);
        var png = Path.Combine(dir.Path, "plots", "loss.png");
        Assert.True(TrainingPlots.LossAndLr(csv, png, 800, 500));
        AssertPng(png, 800, 500);
    }

    [Fact]
    public void Knn_plot_is_written_when_knn_was_logged_and_skipped_when_not()
    {
        using var dir = new TempDirectory();
        var csv = WriteMetrics(dir.Path);
        var png = Path.Combine(dir.Path, "knn.png");
        Assert.True(TrainingPlots.KnnAccuracy(csv, png));
        AssertPng(png, 1000, 600);

        using var plain = new TempDirectory();
        var csv2 = WriteMetrics(plain.Path, withKnn: false, withLr: false);
        Assert.False(TrainingPlots.KnnAccuracy(csv2, Path.Combine(plain.Path, "knn.png")));
        Assert.False(File.Exists(Path.Combine(plain.Path, "knn.png")));
        var written = TrainingPlots.WriteAll(plain.Path);     // loss without lr still plots
        Assert.Equal(new[] { Path.Combine(plain.Path, TrainingPlots.LossPlotFile) }, written);
    }

    [Fact]
    public void Nothing_to_plot_returns_false_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        var csv = Path.Combine(dir.Path, "metrics.csv");
        File.WriteAllText(csv, MetricsCsv.Header + "\n0,0,something_else,1\n");
        Assert.False(TrainingPlots.LossAndLr(csv, Path.Combine(dir.Path, "a.png")));
        Assert.Empty(TrainingPlots.WriteAll(dir.Path));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.png"));
    }

    [Fact]
    public void Smoothing_is_a_debiased_ema()
    {
        var s = TrainingPlots.Smooth([1.0, 1.0, 1.0], 0.9);
        Assert.All(s, v => Assert.Equal(1.0, v, 12));                    // debiased: a constant stays constant
        var t = TrainingPlots.Smooth([0.0, 10.0], 0.5);
        Assert.Equal(0.0, t[0], 12);
        Assert.Equal((0.5 * 0.5 * 0 + 0.5 * 10) / (1 - 0.25), t[1], 12);   // s2 = 0.5 s1 + 0.5 y2, / (1 - 0.5^2)
        Assert.Equal(0.8, TrainingPlots.SmoothingWeight(100), 12);
        Assert.Equal(0.6, TrainingPlots.SmoothingWeight(10), 12);
        Assert.Equal(0.99, TrainingPlots.SmoothingWeight(100000), 12);
    }
}
