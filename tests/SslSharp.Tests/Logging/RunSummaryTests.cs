using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Reporting;
using SslSharp.Training.Logging;
using SslSharp.Runs;

namespace SslSharp.Tests.Logging;

public class RunSummaryTests
{
    private static RunSummary Sample() => new()
    {
        Method = "SimCLR",
        Dataset = "fashion-mnist",
        Backbone = "resnet18-small",
        Epochs = 10,
        Steps = 4680,
        BatchSize = 128,
        WallTime = TimeSpan.FromSeconds(3725),
        StepsTaken = 4680,
        StepTime = TimeSpan.FromSeconds(3000),   // the training steps alone, without the evaluations
        FinalLoss = 4.123456789,
        Knn = new KnnResult([new KnnScore(20, 0.8461, 0.9912), new KnnScore(200, 0.8102, 0.9934)], 10000, 60000,
            KnnMetric.Cosine, KnnWeighting.Exponential, 0.07),
        CommandLine = "sslsharp pretrain --method simclr --dataset fashion-mnist --epochs 10",
        CheckpointFile = "checkpoints/last.pt",
        KnnPlotFile = TrainingPlots.KnnPlotFile,
        Extra = [new("seed", "42")],
    };

    [Fact]
    public void Markdown_contains_the_numbers_the_command_and_relative_links()
    {
        var md = Sample().ToMarkdown();
        Assert.StartsWith("# SimCLR on fashion-mnist", md);
        foreach (var expected in new[]
                 {
                     "| method | SimCLR |", "| backbone | resnet18-small |", "| epochs | 10 |", "| steps | 4680 |",
                     "| batch size | 128 |", "| wall time | 1 h 02 min 05 s |", "| final loss | 4.12346 |", "| seed | 42 |",
                     "| throughput | 199.7 images/s in training steps (4680 steps in 50 min 00 s; the wall time adds evaluations and checkpoints) |",
                     "| 20 | 84.61 | 99.12 |", "| 200 | 81.02 | 99.34 |", "10000 queries against a bank of 60000",
                     "exp(s / 0.07)", "sslsharp pretrain --method simclr",
                     "[metrics.csv](metrics.csv)", "[loss_lr.png](loss_lr.png)", "[knn.png](knn.png)",
                     "[config.yaml](config.yaml)", "[checkpoints/last.pt](checkpoints/last.pt)", "![loss and learning rate](loss_lr.png)",
                 })
            Assert.Contains(expected, md);
    }

    [Fact]
    public void Missing_parts_are_left_out_and_write_creates_summary_md()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "run1");
        var summary = new RunSummary { Method = "BYOL", WallTime = TimeSpan.FromSeconds(12.34), PlotFile = null, ConfigFile = null };
        var path = summary.Write(folder);
        Assert.Equal(Path.Combine(folder, "summary.md"), path);
        var md = File.ReadAllText(path);
        Assert.Contains("| final loss | n/a |", md);
        Assert.Contains("| wall time | 12.3 s |", md);
        Assert.DoesNotContain("kNN", md);
        Assert.DoesNotContain("Command", md);
        Assert.DoesNotContain("png", md);
        Assert.Contains("[metrics.csv](metrics.csv)", md);
    }

    [Fact]
    public void Run_config_round_trips_through_yaml_with_snake_case_keys()
    {
        using var dir = new TempDirectory();
        var config = new RunConfig
        {
            Method = "simclr", Dataset = "fashion-mnist", Backbone = new() { Name = "resnet18", LowResStem = true, WidthMultiplier = 0.5 }, Epochs = 100, BatchSize = 256,
            Optimizer = SslSharp.Training.Optim.OptimizerKind.Lars, LearningRate = 0.3, WeightDecay = 1e-6, WarmupEpochs = 10, Seed = 7,
            Options = new() { ["temperature"] = "0.5", ["projector"] = "2048-128" },
        };
        var path = config.Write(dir.Path);
        var text = File.ReadAllText(path);
        Assert.Contains("batch_size: 256", text);
        Assert.Contains("learning_rate: 0.3", text);
        Assert.True(text.IndexOf("projector", StringComparison.Ordinal) < text.IndexOf("temperature", StringComparison.Ordinal));
        var back = RunConfig.Read(path);
        var none = new Dictionary<string, string>();
        Assert.Equal(config with { Options = none }, back with { Options = none });
        Assert.Equal(config.Options, back.Options);
        Assert.Throws<InvalidDataException>(() => RunConfig.FromYaml("no_such_key: 1\n"));
    }
}
