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
    public void Bad_options_are_rejected_before_anything_is_loaded()
    {
        Assert.NotEqual(0, Run("eval", "linear"));                                         // no checkpoint
        Assert.NotEqual(0, Run("eval", "linear", "--checkpoint", "x.ckpt", "--optimizer", "adam"));
        Assert.NotEqual(0, Run("eval", "knn", "--checkpoint", "x.ckpt", "--vote", "plurality"));
        Assert.NotEqual(0, Run("eval", "finetune", "--checkpoint", "does-not-exist.ckpt"));
    }
}
