using System.Text.Json;
using SslSharp.Cli;
using SslSharp.Runs;
using SslSharp.Tests.Training;
using Spectre.Console.Cli;

namespace SslSharp.Tests.Cli;

/// <summary><c>sslsharp eval knn|linear|finetune|guillotine</c> on a tiny checkpoint write their JSON and Markdown files.</summary>
[Collection("TrainerSerial")]
public class EvalCommandsTests
{
    private static int Run(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(Program.Configure);
        return app.Run(args);
    }

    [Fact]
    public void Raw_pixel_linear_probe_reads_the_pixels_not_the_encoder()
    {
        using var temp = new TempDir();
        var ckpts = new[] { 0, 1 }.Select(seed =>
        {
            var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
            {
                Epochs = 1, WarmupEpochs = 0, BatchSize = 32, Seed = seed, Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
            };
            PretrainRunner.Run(config, temp.File($"run{seed}"), showProgress: false, maxSteps: 1);
            return temp.File($"run{seed}/last.ckpt");
        }).ToArray();
        JsonElement Probe(string ckpt, string outDir, bool pixels)
        {
            var args = new List<string> { "eval", "linear", "--checkpoint", ckpt, "--limit", "300", "--epochs", "2", "--out", outDir };
            if (pixels) args.Add("--raw-pixels");
            Assert.Equal(0, Run(args.ToArray()));
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, pixels ? "linear_pixels.json" : "linear.json")));
            if (pixels) Assert.Contains("raw pixels", doc.RootElement.GetProperty("metadata").GetProperty("features").GetString());
            return doc.RootElement.GetProperty("result").Clone();
        }
        var pixels0 = Probe(ckpts[0], temp.File("eval0"), pixels: true);
        var pixels1 = Probe(ckpts[1], temp.File("eval1"), pixels: true);
        var encoder0 = Probe(ckpts[0], temp.File("eval0"), pixels: false);
        Assert.Equal(28 * 28, pixels0.GetProperty("feature_dim").GetInt32());
        Assert.NotEqual(28 * 28, encoder0.GetProperty("feature_dim").GetInt32());
        // The checkpoints' encoders differ (seeds 0 and 1); their pixels do not.
        Assert.Equal(pixels0.GetProperty("top1").GetDouble(), pixels1.GetProperty("top1").GetDouble());
        Assert.Equal(pixels0.GetProperty("train_top1").GetDouble(), pixels1.GetProperty("train_top1").GetDouble());
    }

    [Fact]
    public void Finetune_min_scale_changes_the_crops_it_trains_on()
    {
        using var temp = new TempDir();
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with { Epochs = 1, WarmupEpochs = 0, BatchSize = 32, Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 } };
        PretrainRunner.Run(config, temp.Path, showProgress: false, maxSteps: 1);
        double Loss(string outDir, params string[] extra)
        {
            Assert.Equal(0, Run(["eval", "finetune", "--checkpoint", temp.File("last.ckpt"), "--limit", "96", "--epochs", "1", "--batch-size", "32",
                "--out", outDir, .. extra]));
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "finetune.json")));
            return doc.RootElement.GetProperty("result").GetProperty("epoch_losses")[0].GetDouble();
        }
        double byDefault = Loss(temp.File("default")), again = Loss(temp.File("again"), "--min-scale", "0.2"), whole = Loss(temp.File("whole"), "--min-scale", "1");
        Assert.Equal(byDefault, again);      // 0.2 is the default under 32 px
        Assert.NotEqual(byDefault, whole);   // full-area crops: other pixels, another loss
    }

    [Fact]
    public void Raw_pixel_knn_on_the_validation_split_is_the_baseline_the_run_reported()
    {
        using var temp = new TempDir();
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
        {
            Epochs = 1, WarmupEpochs = 0, BatchSize = 32, ValSplit = 500, Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
        };
        PretrainRunner.Run(config, temp.Path, showProgress: false, maxSteps: 1);
        var summary = File.ReadAllLines(temp.File("summary.md")).Single(l => l.StartsWith("| raw-pixel kNN top-1, k=20 (baseline)", StringComparison.Ordinal));
        double reported = double.Parse(summary.Split('|')[2].Trim().TrimEnd('%').Trim(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(0, Run("eval", "knn", "--checkpoint", temp.File("last.ckpt"), "--val-split", "500", "--raw-pixels", "--vote", "weighted",
            "-k", "20", "--out", temp.File("eval")));
        using var doc = JsonDocument.Parse(File.ReadAllText(temp.File("eval/knn_pixels_val.json")));
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal(500, result.GetProperty("query_count").GetInt32());
        Assert.Equal(reported, Math.Round(100 * result.GetProperty("scores")[0].GetProperty("top1").GetDouble(), 2), 6);
        Assert.Contains("raw pixels", doc.RootElement.GetProperty("metadata").GetProperty("features").GetString());
    }

    [Fact]
    public void Every_eval_command_writes_json_and_markdown_into_out()
    {
        using var temp = new TempDir();
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with { Epochs = 1, WarmupEpochs = 0, BatchSize = 32, Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 } };
        PretrainRunner.Run(config, temp.Path, showProgress: false, maxSteps: 1);
        string ckpt = temp.File("last.ckpt"), outDir = temp.File("eval");

        Assert.Equal(0, Run("eval", "knn", "--checkpoint", ckpt, "--limit", "300", "-k", "5", "-k", "20", "--out", outDir));
        Assert.Equal(0, Run("eval", "linear", "--checkpoint", ckpt, "--limit", "300", "--epochs", "2", "--out", outDir));
        Assert.Equal(0, Run("eval", "finetune", "--checkpoint", ckpt, "--limit", "96", "--epochs", "1", "--batch-size", "32", "--out", outDir));
        Assert.Equal(0, Run("eval", "guillotine", "--checkpoint", ckpt, "--limit", "300", "--epochs", "1", "-k", "5", "--out", outDir));

        foreach (var name in new[] { "knn", "linear", "finetune", "guillotine" })
        {
            var json = Path.Combine(outDir, name + ".json");
            var md = Path.Combine(outDir, name + ".md");
            Assert.True(File.Exists(json), $"{json} missing");
            Assert.True(File.Exists(md), $"{md} missing");
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal(name, doc.RootElement.GetProperty("name").GetString());
            Assert.Equal(Path.GetFullPath(ckpt), doc.RootElement.GetProperty("metadata").GetProperty("checkpoint").GetString());
            Assert.Contains("| ", File.ReadAllText(md));
        }
        using (var knn = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "knn.json"))))
        {
            var votes = knn.RootElement.GetProperty("rows").EnumerateArray().Select(r => r[0].GetString()).Distinct().ToList();
            Assert.Equal(2, votes.Count); // weighted and majority by default
            Assert.Equal(4, knn.RootElement.GetProperty("rows").GetArrayLength());
        }
        using (var g = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "guillotine.json"))))
        {
            var cuts = g.RootElement.GetProperty("rows").EnumerateArray().Select(r => r[0].GetString()).ToList();
            Assert.Equal("backbone", cuts[0]);
            Assert.Equal(5, cuts.Count); // backbone + Linear, BN, ReLU, Linear of SimCLR's v1 projector
        }
        using (var l = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "linear.json"))))
            Assert.Equal(300, l.RootElement.GetProperty("result").GetProperty("test_count").GetInt32());
    }

    [Fact]
    public void Eval_on_the_runs_validation_split_scores_the_images_the_run_held_out_and_never_overwrites_the_test_result()
    {
        using var temp = new TempDir();
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
        {
            Epochs = 1, WarmupEpochs = 0, BatchSize = 32, ValSplit = 400, OnlineProbe = false,
            Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
        };
        var run = PretrainRunner.Run(config, temp.Path, showProgress: false, maxSteps: 1);
        string ckpt = temp.File("last.ckpt"), outDir = temp.File("eval");

        Assert.Equal(0, Run("eval", "knn", "--checkpoint", ckpt, "--val-split", "400", "-k", "20", "--vote", "weighted", "--out", outDir));
        Assert.False(File.Exists(Path.Combine(outDir, "knn.json")), "a validation result went into the test result's file");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "knn_val.json")));
        Assert.StartsWith("validation split: 400", doc.RootElement.GetProperty("metadata").GetProperty("evaluated_on").GetString());
        // The same weights, images and kNN as the run's own end-of-run kNN on its validation split: the same score.
        var top1 = double.Parse(doc.RootElement.GetProperty("rows")[0][3].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(100 * run.Knn![20].Top1, top1, 2);
        Assert.Equal("400", doc.RootElement.GetProperty("metadata").GetProperty("queries").GetString());

        Assert.Equal(0, Run("eval", "knn", "--checkpoint", ckpt, "-k", "20", "--vote", "weighted", "--out", outDir));
        using var test = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "knn.json")));
        Assert.Equal("test split", test.RootElement.GetProperty("metadata").GetProperty("evaluated_on").GetString());
    }

    [Fact]
    public void Finetune_scratch_starts_from_the_architectures_initialisation_not_the_checkpoints_weights()
    {
        using var temp = new TempDir();
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
        {
            Epochs = 1, WarmupEpochs = 0, BatchSize = 32, OnlineProbe = false, LearningRate = 2.0,
            Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
        };
        PretrainRunner.Run(config, temp.Path, showProgress: false, maxSteps: 5);
        var ckpt = temp.File("last.ckpt");
        var options = new SslSharp.Evaluation.Probes.FineTuneOptions { Epochs = 1, BatchSize = 32 };
        var trained = CheckpointEvaluator.FineTune(ckpt, options, new EvaluationData { Limit = 96 });
        var scratch = CheckpointEvaluator.FineTune(ckpt, options, new EvaluationData { Limit = 96 }, scratch: true);
        var again = CheckpointEvaluator.FineTune(ckpt, options, new EvaluationData { Limit = 96 }, scratch: true);
        Assert.NotEqual(trained.EpochLosses[0], scratch.EpochLosses[0]);
        Assert.Equal(scratch.EpochLosses[0], again.EpochLosses[0]);

        // The scratch network is the one a new run with the same config builds.
        using var fresh = PretrainRunner.CreateMethod(config, 1, 28);
        using var loaded = PretrainRunner.CreateMethod(config, 1, 28);
        CheckpointEvaluator.LoadWeights(ckpt, loaded);
        var name = fresh.Encoder.named_parameters().First().name;
        Assert.False(fresh.Encoder.named_parameters().First().parameter.allclose(loaded.Encoder.named_parameters().First().parameter),
            $"{name}: five steps did not change the weights, so the comparison above cannot fail");

        Assert.Equal(0, Run("eval", "finetune", "--checkpoint", ckpt, "--scratch", "--limit", "96", "--epochs", "1", "--batch-size", "32", "--out", temp.File("eval")));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.File("eval"), "finetune_scratch.json")));
        Assert.StartsWith("random", doc.RootElement.GetProperty("metadata").GetProperty("initialisation").GetString());
    }

    [Fact]
    public void Bad_options_are_rejected_before_anything_is_loaded()
    {
        Assert.NotEqual(0, Run("eval", "linear"));                                         // no checkpoint
        Assert.NotEqual(0, Run("eval", "linear", "--checkpoint", "x.ckpt", "--optimizer", "adam"));
        Assert.NotEqual(0, Run("eval", "finetune", "--checkpoint", "x.ckpt", "--min-scale", "0"));
        Assert.NotEqual(0, Run("eval", "knn", "--checkpoint", "x.ckpt", "--vote", "plurality"));
        Assert.NotEqual(0, Run("eval", "finetune", "--checkpoint", "does-not-exist.ckpt"));
        Assert.NotEqual(0, Run("eval", "knn", "--checkpoint", "x.ckpt", "--val-split", "-3"));
        Assert.NotEqual(0, Run("eval", "knn", "--checkpoint", "x.ckpt", "--val-split", "2.5"));
    }
}
