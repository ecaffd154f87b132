using SkiaSharp;
using SslSharp.Data;
using SslSharp.Runs;
using SslSharp.Tests.Data;
using SslSharp.Tests.Imaging;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Runs;

/// <summary>
/// A pretraining run on an image folder streamed from disk (<see cref="RunConfig.Workers"/> &gt; 0) against the same run
/// decoded into memory, and the size class of a folder's preset.
/// </summary>
[Collection("TrainerSerial")]
public class StreamedRunTests
{
    /// <summary>Two classes of 120 patterned PNGs (240 images; 216 train / 24 held out: the kNN bank needs k = 200).</summary>
    private static void WriteFolder(string root)
    {
        foreach (var (cls, colour) in new[] { ("red", SKColors.Red), ("blue", SKColors.Blue) })
            for (int i = 0; i < 120; i++)
                ImageFiles.Write(Path.Combine(root, cls, $"{i}.png"), 20, 20, (x, y) => (x + 2 * y + i) % 5 == 0 ? SKColors.White : colour);
    }

    private static RunConfig Tiny(string dataDir, int workers) => PretrainDefaults.For("simclr", ImageFolder.Name, imageSize: 16) with
    {
        DataDir = dataDir,
        ImageSize = 16,
        Workers = workers,
        Epochs = 2,
        WarmupEpochs = 0,
        BatchSize = 32,
        DiagnosticsEvery = 0,
        Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
    };

    [Fact]
    public void Streaming_with_two_workers_trains_and_evaluates_exactly_as_the_in_memory_run()
    {
        using var data = IdxTestFiles.NewDir();
        WriteFolder(data.Path);
        using var a = new TempDir();
        using var b = new TempDir();

        var inMemory = PretrainRunner.Run(Tiny(data.Path, 0), a.Path, showProgress: false, maxSteps: 9);
        var streamed = PretrainRunner.Run(Tiny(data.Path, 2), b.Path, showProgress: false, maxSteps: 9);

        Assert.Equal(9, streamed.Training.Steps);   // 6 batches per epoch: the second epoch's order too
        Assert.Equal(inMemory.Training.LastLoss, streamed.Training.LastLoss);
        Assert.Equal(inMemory.Knn!.Scores.Select(s => (s.K, s.Top1, s.Top5)), streamed.Knn!.Scores.Select(s => (s.K, s.Top1, s.Top5)));
        Assert.Equal(inMemory.PixelKnn!.Scores.Select(s => s.Top1), streamed.PixelKnn!.Scores.Select(s => s.Top1));
        // Every step's loss (columns step, epoch, loss; the rest is timing).
        static string[] Losses(string dir) => File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Select(l => string.Join(",", l.Split(',').Take(3))).ToArray();
        Assert.Equal(Losses(a.Path), Losses(b.Path));
        var summary = File.ReadAllText(Path.Combine(b.Path, "summary.md"));
        Assert.Contains("streamed from disk by 2 worker threads (216 files)", summary);
        Assert.Contains("test split: 24 images of folder-heldout", summary);
    }

    [Fact]
    public void Workers_on_a_data_set_held_in_memory_fail_before_anything_is_written()
    {
        using var dir = new TempDir();
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with { Workers = 2 };
        var e = Assert.Throws<ArgumentException>(() => PretrainRunner.Run(config, Path.Combine(dir.Path, "run"), showProgress: false));
        Assert.Contains("--dataset folder", e.Message);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "run")));
    }

    [Fact]
    public void A_folders_preset_follows_its_image_size_not_the_64_px_default()
    {
        var small = PretrainDefaults.For("simclr", ImageFolder.Name, imageSize: 28);
        var large = PretrainDefaults.For("simclr", ImageFolder.Name, imageSize: 96);
        var unsized = PretrainDefaults.For("simclr", ImageFolder.Name);

        Assert.Equal(PretrainDefaults.For("simclr", FashionMnist.Name).Options["temperature"], small.Options["temperature"]);
        Assert.Equal("0.2", small.Options["temperature"]);   // simclr.small.yaml (CIFAR settings)
        Assert.Equal("0.1", large.Options["temperature"]);   // simclr.large.yaml (ImageNet settings)
        Assert.Equal(large.Options["temperature"], unsized.Options["temperature"]);
    }
}
