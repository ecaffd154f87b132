using SslSharp.Backbones;
using SslSharp.Runs;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Runs;

/// <summary><c>sslsharp pretrain --backbone vit-cpu</c> with existing methods: the image size reaches the ViT, training
/// steps run, the kNN extracts ViT features, and the checkpoint rebuilds the ViT for evaluation.</summary>
[Collection("TrainerSerial")]
[Trait("Category", "Slow")] // full-data kNN and diagnostics with a ViT: about a minute on an idle 2-core machine
public class VitRunTests
{
    private static RunConfig Config(string method, BackboneOptions backbone) =>
        PretrainDefaults.For(method, "fashion-mnist-embedded") with { Epochs = 1, WarmupEpochs = 0, BatchSize = 32, Backbone = backbone };

    [Theory]
    [InlineData("simclr")]
    [InlineData("dino")]
    public void Two_steps_with_a_ViT_train_and_the_checkpoint_evaluates_to_the_same_knn(string method)
    {
        using var temp = new TempDir();
        var result = PretrainRunner.Run(Config(method, new() { Name = "vit-cpu" }), temp.Path, showProgress: false, maxSteps: 2);

        Assert.Equal(2, result.Training.Steps);
        Assert.True(double.IsFinite(result.Training.LastLoss), $"{method}: loss {result.Training.LastLoss}");
        Assert.InRange(result.Knn![20].Top1, 0.1, 1.0);
        var again = CheckpointEvaluator.Knn(temp.File("last.ckpt"));
        Assert.Equal(result.Knn[20].Top1, again[20].Top1, 10);
        Assert.Equal("vit-cpu", CheckpointEvaluator.ReadConfig(temp.File("last.ckpt")).Backbone.Name);
    }

    [Fact]
    public void A_resumed_run_with_stochastic_depth_repeats_the_uninterrupted_one()
    {
        // The drop-path draws are re-seeded from the step by the trainer, so step 3 after a resume at step 2
        // drops the same paths as step 3 of a run that never stopped.
        var config = Config("simclr", new() { Name = "vit-cpu", DropPathRate = 0.5 });
        using var whole = new TempDir();
        using var resumed = new TempDir();
        PretrainRunner.Run(config, whole.Path, showProgress: false, maxSteps: 3);
        PretrainRunner.Run(config, resumed.Path, showProgress: false, maxSteps: 2);
        PretrainRunner.Run(config, resumed.Path, resumeFrom: resumed.File("last.ckpt"), showProgress: false, maxSteps: 3);
        static string[] Losses(TempDir d) => File.ReadAllLines(d.File("metrics.csv")).Skip(1).Select(l => l.Split(',')[2]).ToArray();
        Assert.Equal(3, Losses(whole).Length);
        Assert.Equal(Losses(whole), Losses(resumed));
    }

    [Fact]
    public void A_patch_that_does_not_divide_the_images_fails_with_one_message()
    {
        using var temp = new TempDir();
        var e = Assert.Throws<ArgumentException>(() =>
            PretrainRunner.Run(Config("simclr", new() { Name = "vit-cpu", PatchSize = 5 }), temp.Path, showProgress: false, maxSteps: 1));
        Assert.Contains("multiple of 5", e.Message);
    }
}
