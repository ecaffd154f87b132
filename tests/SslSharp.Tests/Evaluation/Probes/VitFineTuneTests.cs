using SslSharp.Augment;
using SslSharp.Backbones;
using SslSharp.Evaluation.Probes;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Probes;

public class VitFineTuneTests
{
    private static IBatchTransform Plain() => new Compose(new ToFloatImage(), new Normalize([0.3f], [0.3f]));

    private static VisionTransformer Vit() => new(new VisionTransformerOptions
    {
        ImageSize = 6, PatchSize = 3, InChannels = 1, Dim = 16, Depth = 2, Heads = 2, MlpRatio = 2, DropPathRate = 0.2,
    }, seed: 4);

    [Fact]
    public void Layer_decay_and_drop_path_fine_tune_a_ViT_reproducibly()
    {
        using var scope = NewDisposeScope();
        var (train, trainLabels) = ClassImages.Make(64, 1);
        var options = new FineTuneOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.2, LayerDecay = 0.65 };
        using var a = Vit();
        var embedBefore = a.named_parameters().Single(p => p.name == "patch_embed.proj.weight").parameter.detach().clone();
        var ra = FineTune.Run(a, train, trainLabels, train, trainLabels, Plain(), Plain(), options);
        Assert.True(ra.EpochLosses.All(double.IsFinite));
        Assert.False(a.named_parameters().Single(p => p.name == "patch_embed.proj.weight").parameter.detach().allclose(embedBefore, 0, 0));

        using var b = Vit();
        var rb = FineTune.Run(b, train, trainLabels, train, trainLabels, Plain(), Plain(), options);
        Assert.Equal(ra.EpochLosses, rb.EpochLosses); // the drop-path draws are re-seeded from the step
    }

    [Fact]
    public void Layer_decay_on_a_backbone_without_layers_fails_with_a_message()
    {
        using var scope = NewDisposeScope();
        var (train, trainLabels) = ClassImages.Make(16, 1);
        using var backbone = new StandInBackbone(1, 6, 6, 8);
        var e = Assert.Throws<ArgumentException>(() =>
            FineTune.Run(backbone, train, trainLabels, train, trainLabels, Plain(), Plain(), new FineTuneOptions { Epochs = 1, BatchSize = 8, LayerDecay = 0.65 }));
        Assert.Contains("numbered layers", e.Message);
        Assert.Throws<ArgumentException>(() => new FineTuneOptions { LayerDecay = 1.5 }.Validate());
    }
}
