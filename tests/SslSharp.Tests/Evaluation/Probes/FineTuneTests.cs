using SslSharp.Augment;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;
using SslSharp.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Probes;

public class FineTuneTests
{
    private static IBatchTransform Plain() => new Compose(new ToFloatImage(), new Normalize([0.3f], [0.3f]));

    [Fact]
    public void Trains_backbone_and_head_end_to_end_and_learns_the_labels()
    {
        using var scope = NewDisposeScope();
        var (train, trainLabels) = ClassImages.Make(192, 1);
        var (test, testLabels) = ClassImages.Make(64, 2);
        using var backbone = new StandInBackbone(1, 6, 6, 16, seed: 3);
        var before = backbone.parameters().Select(p => p.detach().clone()).ToList();
        long done = 0, total = 0;

        // Crops would move the class row; the plain transform keeps the task learnable for a linear backbone.
        var r = FineTune.Run(backbone, train, trainLabels, test, testLabels, Plain(), Plain(),
            new FineTuneOptions { Epochs = 8, BatchSize = 32, LearningRate = 0.5 }, (d, t) => (done, total) = (d, t));

        Assert.True(r.Top1 > 0.9, r.ToString());
        Assert.True(r.EpochLosses[^1] < r.EpochLosses[0]);
        Assert.Equal(6L * 8, r.Steps);
        Assert.Equal(total, done);
        Assert.Contains(backbone.parameters().Zip(before), pb => !pb.First.detach().allclose(pb.Second, 0, 0));
        Assert.All(backbone.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void AdamW_fine_tuning_learns_the_labels_and_takes_other_steps_than_sgd()
    {
        using var scope = NewDisposeScope();
        var (train, trainLabels) = ClassImages.Make(192, 1);
        var (test, testLabels) = ClassImages.Make(64, 2);
        var options = new FineTuneOptions { Epochs = 8, BatchSize = 32, LearningRate = 0.04, Optimizer = OptimizerKind.AdamW, WeightDecay = 0.05 };
        using var a = new StandInBackbone(1, 6, 6, 16, seed: 3);
        using var b = new StandInBackbone(1, 6, 6, 16, seed: 3);
        var adamw = FineTune.Run(a, train, trainLabels, test, testLabels, Plain(), Plain(), options);
        var sgd = FineTune.Run(b, train, trainLabels, test, testLabels, Plain(), Plain(), options with { Optimizer = OptimizerKind.Sgd });
        Assert.True(adamw.Top1 > 0.9, adamw.ToString());
        Assert.NotEqual(sgd.EpochLosses[0], adamw.EpochLosses[0]);
        Assert.Throws<ArgumentException>(() => (options with { Optimizer = OptimizerKind.Lars }).Validate());
        Assert.Contains("\"optimizer\":\"AdamW\"", System.Text.Json.JsonSerializer.Serialize(options, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower }));
    }

    [Fact]
    public void A_zero_backbone_lr_scale_freezes_the_backbone_weights_and_same_seed_repeats()
    {
        using var scope = NewDisposeScope();
        var (train, trainLabels) = ClassImages.Make(64, 4);
        var augment = FineTune.TrainTransform(6, [0.3f], [0.3f]);
        var options = new FineTuneOptions { Epochs = 2, BatchSize = 16, BackboneLrScale = 0, WeightDecay = 0 };
        using var a = new StandInBackbone(1, 6, 6, 8, seed: 5);
        var weight = a.parameters().First().detach().clone();
        var ra = FineTune.Run(a, train, trainLabels, train, trainLabels, augment, Plain(), options);
        Assert.True(a.parameters().First().detach().allclose(weight, 0, 0));

        using var b = new StandInBackbone(1, 6, 6, 8, seed: 5);
        var rb = FineTune.Run(b, train, trainLabels, train, trainLabels, augment, Plain(), options);
        Assert.Equal(ra.EpochLosses, rb.EpochLosses);
        Assert.Equal(ra.Top1, rb.Top1);
    }

    [Fact]
    public void Bad_input_fails_with_a_message()
    {
        using var scope = NewDisposeScope();
        using var backbone = new StandInBackbone(1, 6, 6, 8);
        var images = zeros([8, 1, 6, 6], ScalarType.Byte);
        var labels = zeros(8, ScalarType.Int64);
        Assert.Contains("one per image", Assert.Throws<ArgumentException>(() =>
            FineTune.Run(backbone, images, labels.narrow(0, 0, 4), images, labels, Plain(), null)).Message);
        Assert.Contains("batch size", Assert.Throws<ArgumentException>(() =>
            FineTune.Run(backbone, images, labels, images, labels, Plain(), null, new FineTuneOptions { BatchSize = 1 })).Message);
    }
}
