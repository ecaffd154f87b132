using SslSharp.Runs;
using SslSharp.Tests.Training;
using SslSharp.Training;
using SslSharp.Training.Logging;

namespace SslSharp.Tests.Runs;

/// <summary>The pretraining run end to end on the embedded data, cut to a few steps.</summary>
[Collection("TrainerSerial")]
public class PretrainRunnerTests
{
    private static RunConfig Tiny() => PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
    {
        Epochs = 1,
        WarmupEpochs = 0,
        BatchSize = 32,
        Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
    };

    [Fact]
    public void A_run_writes_its_folder_and_its_checkpoint_evaluates_to_the_same_knn()
    {
        using var temp = new TempDir();
        var dir = temp.Path;
        var result = PretrainRunner.Run(Tiny(), dir, showProgress: false, maxSteps: 3);

        Assert.Equal(3, result.Training.Steps);
        foreach (var f in new[] { "config.yaml", "metrics.csv", "loss_lr.png", "last.ckpt", "summary.md" })
            Assert.True(File.Exists(Path.Combine(dir, f)), $"{f} missing from the run folder");
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Length); // header + 3 steps
        var summary = File.ReadAllText(Path.Combine(dir, "summary.md"));
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"| 20 | {100 * result.Knn![20].Top1:F2} |"), summary);
        Assert.Contains("raw-pixel kNN", summary);
        Assert.InRange(result.Knn![20].Top1, 0.1, 1.0); // 10 balanced classes: chance is 0.1
        // The online probe is on by default for labelled data: logged per epoch, reported in the summary.
        Assert.InRange(MetricsCsv.ReadRun(dir).Last("online_probe_top1")!.Value, 0.0, 1.0);
        Assert.Contains("online probe top-1", summary);
        // The label-free diagnostics run at the end: their verdict is in the summary and the result.
        Assert.Single(result.Diagnostics);
        Assert.Contains("| RankMe of the embeddings, last diagnostics |", summary);
        Assert.Contains("| collapse warnings |", summary);

        // The checkpoint alone rebuilds the method and gives the same kNN numbers.
        var again = CheckpointEvaluator.Knn(Path.Combine(dir, "last.ckpt"));
        Assert.Equal(result.Knn![20].Top1, again[20].Top1, 10);
        Assert.Equal(result.Knn![200].Top1, again[200].Top1, 10);
        Assert.Equal("simclr", CheckpointEvaluator.ReadConfig(Path.Combine(dir, "last.ckpt")).Method);
    }

    [Fact]
    public void A_validation_split_replaces_the_test_set_in_every_evaluation_and_says_so()
    {
        using var temp = new TempDir();
        var result = PretrainRunner.Run(Tiny() with { ValSplit = 500 }, temp.Path, showProgress: false, maxSteps: 1);

        Assert.Equal(500, result.Knn!.QueryCount);          // queries: the 500 held-out training images
        Assert.Equal(7500, result.Knn!.BankCount);          // memory bank: the other 7,500
        Assert.Equal(500, result.PixelKnn!.QueryCount);
        Assert.Contains("| evaluated on | validation split: 500 of the 8000 training images held out (seed 0); the test set is not used |",
            File.ReadAllText(temp.File("summary.md")));

        using var again = new TempDir();
        var fraction = PretrainRunner.Run(Tiny() with { ValSplit = 0.1 }, again.Path, showProgress: false, maxSteps: 1);
        Assert.Equal(800, fraction.Knn!.QueryCount);

        var plain = PretrainRunner.Run(Tiny(), temp.File("plain"), showProgress: false, maxSteps: 1);
        Assert.Equal(2000, plain.Knn!.QueryCount);          // the embedded held-out split
        Assert.Contains("| evaluated on | test split: 2000 images", File.ReadAllText(Path.Combine(temp.File("plain"), "summary.md")));

        var tooMany = Assert.Throws<ArgumentException>(() => PretrainRunner.Run(Tiny() with { ValSplit = 8000 }, temp.File("bad"), showProgress: false, maxSteps: 1));
        Assert.Contains("must leave 1..7999", tooMany.Message);
        Assert.False(Directory.Exists(temp.File("bad")));
    }

    [Fact]
    public void A_resumed_run_says_in_its_summary_that_the_online_probe_restarted()
    {
        using var temp = new TempDir();
        PretrainRunner.Run(Tiny(), temp.Path, showProgress: false, maxSteps: 3);
        Assert.DoesNotContain("restarted", File.ReadAllText(temp.File("summary.md")));

        PretrainRunner.Run(Tiny(), temp.Path, resumeFrom: temp.File("last.ckpt"), showProgress: false, maxSteps: 5);

        Assert.Contains("so it restarted untrained at the resume from step 3", File.ReadAllText(temp.File("summary.md")));
    }

    [Fact]
    public void Same_seed_and_config_give_the_same_losses_with_or_without_the_online_probe()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        PretrainRunner.Run(Tiny(), a.Path, showProgress: false, maxSteps: 2);
        PretrainRunner.Run(Tiny() with { OnlineProbe = false }, b.Path, showProgress: false, maxSteps: 2);
        static string[] Losses(TempDir d) => File.ReadAllLines(d.File("metrics.csv")).Skip(1).Select(l => l.Split(',')[2]).ToArray();
        // The probe trains on detached features with its own optimizer: the method's training is unchanged.
        Assert.Equal(Losses(a), Losses(b));
        Assert.NotNull(MetricsCsv.ReadRun(a.Path).Last("online_probe_top1"));
        Assert.Null(MetricsCsv.ReadRun(b.Path).Last("online_probe_top1"));
    }

    [Fact]
    public void Unknown_names_fail_with_the_known_ones()
    {
        using var temp = new TempDir();
        var dir = temp.File("run");
        var e1 = Assert.Throws<ArgumentException>(() => PretrainRunner.Run(Tiny() with { Method = "simclrr" }, dir, showProgress: false, maxSteps: 1));
        Assert.Contains("simclr", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => PretrainRunner.Run(Tiny() with { Dataset = "cifar11" }, dir, showProgress: false, maxSteps: 1));
        Assert.Contains("fashion-mnist", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => PretrainRunner.Run(Tiny() with { Backbone = new() { Name = "resnet19" } }, dir, showProgress: false, maxSteps: 1));
        Assert.Contains("resnet18", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => PretrainRunner.Run(Tiny() with { Optimizer = (SslSharp.Training.Optim.OptimizerKind)7 }, dir, showProgress: false, maxSteps: 1));
        Assert.Contains("adamw", e4.Message);
        Assert.False(Directory.Exists(dir), "a rejected configuration must not leave a run folder behind");
    }

    [Fact]
    public void A_checkpoint_without_a_run_configuration_is_refused_clearly()
    {
        using var temp = new TempDir();
        var path = temp.File("foreign.ckpt");
        File.WriteAllText(path, "not a checkpoint");
        var e = Assert.Throws<InvalidDataException>(() => CheckpointEvaluator.Knn(path));
        Assert.Contains("not an SslSharp checkpoint", e.Message);
    }
}
