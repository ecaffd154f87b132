using SslSharp.Runs;
using SslSharp.Tests.Cli;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Runs;

/// <summary><c>sslsharp pretrain --method mae</c> on the embedded data: the preset's vit-cpu, a run folder, and a resume
/// that repeats the uninterrupted run (the masks are drawn from the step; I-JEPA's target encoder is in the checkpoint).</summary>
[Collection("TrainerSerial")]
public class MAERunTests
{
    [Theory]
    [Trait("Category", "Slow")] // two short runs with a full-data ViT kNN each
    [InlineData("mae")]
    [InlineData("ijepa")]
    [InlineData("ibot")]
    public void A_resumed_run_repeats_the_uninterrupted_one(string method)
    {
        var config = PretrainDefaults.For(method, "fashion-mnist-embedded") with { Epochs = 1, WarmupEpochs = 0, BatchSize = 32, OnlineProbe = false };
        using var whole = new TempDir();
        using var resumed = new TempDir();
        PretrainRunner.Run(config, whole.Path, showProgress: false, maxSteps: 3);
        PretrainRunner.Run(config, resumed.Path, showProgress: false, maxSteps: 2);
        PretrainRunner.Run(config, resumed.Path, resumeFrom: resumed.File("last.ckpt"), showProgress: false, maxSteps: 3);
        static string[] Losses(TempDir d) => File.ReadAllLines(d.File("metrics.csv")).Skip(1).Select(l => l.Split(',')[2]).ToArray();
        Assert.Equal(3, Losses(whole).Length);
        Assert.Equal(Losses(whole), Losses(resumed));
    }
}

/// <summary>The CLI end to end for MAE (shares the console with the other CLI tests).</summary>
[Collection("Console")]
public class MAECliTests
{
    [Fact]
    [Trait("Category", "Slow")] // a full-data ViT kNN at the end; the default suite runs mae through EveryMethodRunTests
    public void Pretrain_method_mae_runs_on_the_embedded_data_with_the_presets_vit_and_writes_its_run_folder()
    {
        using var temp = new TempDir();
        var run = temp.File("mae");
        var (code, output) = CliRunner.Run("pretrain", "--method", "mae", "--epochs", "1", "--batch-size", "32", "--max-steps", "3",
            "--online-probe", "false", "--diagnostics-every", "0", "--out", run);
        Assert.True(code == 0, output);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length);   // header + 3 steps
        Assert.True(File.Exists(Path.Combine(run, "last.ckpt")));
        Assert.True(File.Exists(Path.Combine(run, "summary.md")));
        var config = RunConfig.Read(Path.Combine(run, "config.yaml"));
        Assert.Equal("vit-cpu", config.Backbone.Name);
        Assert.Equal("random", config.Options["masking"]);
    }

    [Fact]
    public void Pretrain_method_mae_on_a_cnn_fails_with_one_message()
    {
        using var temp = new TempDir();
        var (code, output) = CliRunner.Run("pretrain", "--method", "mae", "--backbone", "convnet", "--epochs", "1", "--max-steps", "1", "--out", temp.File("x"));
        Assert.Equal(1, code);
        Assert.Contains("mae needs a ViT backbone", output);
    }
}
