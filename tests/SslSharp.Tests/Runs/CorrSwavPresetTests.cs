using System.Globalization;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Methods;
using SslSharp.Methods.Clustering;
using SslSharp.Methods.Correlation;
using SslSharp.Runs;

namespace SslSharp.Tests.Runs;

public sealed class CorrSwavPresetTests
{
    private static SslMethod Build(RunConfig config) =>
        MethodRegistry.Create(config.Method, new ConvNet(1, widthMultiplier: 0.25), new MethodSettings(config.Options));

    [Fact]
    public void Small_presets_are_what_pretrain_uses_on_the_embedded_data_and_build_their_methods()
    {
        var vicreg = PretrainDefaults.For("vicreg", FashionMnist.EmbeddedName);
        Assert.Equal(SslSharp.Training.Optim.OptimizerKind.Sgd, vicreg.Optimizer);
        using (var m = Assert.IsType<VICReg>(Build(vicreg)))
            Assert.Equal(512, m.Projector.OutputDim);

        var bt = PretrainDefaults.For("barlowtwins", FashionMnist.EmbeddedName);
        Assert.Equal(SslSharp.Training.Optim.OptimizerKind.Lars, bt.Optimizer);
        using (var m = Assert.IsType<BarlowTwins>(Build(bt)))
        {
            Assert.Equal(0.1, m.ScaleLoss);
            Assert.Equal(new[] { 0.2, 0.0048 }, m.ParameterGroups().Select(g => g.LrScale).ToArray());
        }

        var swav = PretrainDefaults.For("swav", FashionMnist.EmbeddedName);
        using (var m = Assert.IsType<SwAV>(Build(swav)))
        {
            Assert.Equal(0, m.QueueLength % swav.BatchSize);   // the queue takes whole batches
            Assert.Equal(2, m.Queues.Count);
        }
        var views = swav.Augment!.Build(28, 1, new[] { 0.3f }, new[] { 0.3f });
        Assert.Equal(2 + (swav.Augment.LocalCrops ?? 0), views.ViewCount);
        // The recipe's multi-crop works with SwAV on small images too (the large preset uses 6 local crops).
        var multi = (swav.Augment with { LocalCrops = 2, LocalSize = 12 }).Build(28, 1, new[] { 0.3f }, new[] { 0.3f });
        Assert.Equal(4, multi.ViewCount);
    }

    [Fact]
    public void Large_presets_follow_the_references()
    {
        var vicreg = MethodPresets.Find("vicreg", "large")!;
        Assert.Equal((2048, "lars", 0.2, 1e-6), (vicreg.BatchSize, SslSharp.Training.Optim.Optimizers.NameOf(vicreg.Optimizer!.Value), vicreg.LearningRate, vicreg.WeightDecay));
        Assert.Equal("8192", vicreg.Options!["hidden_dim"]);

        var bt = MethodPresets.Find("barlowtwins", "large")!;
        // Weights peak at 0.2 x batch/256 = 1.6 and biases at 0.0048 x 8, as facebookresearch/barlowtwins.
        Assert.Equal(1.6, bt.LearningRate!.Value * bt.BatchSize!.Value / 256 * new BarlowTwinsOptions().LrWeights, 12);
        Assert.Equal("0.0051", bt.Options!["lambda"]);

        var swav = MethodPresets.Find("swav", "large")!;
        // SwAV's absolute lr 4.8 at batch 4096.
        Assert.Equal(4.8, swav.LearningRate!.Value * swav.BatchSize!.Value / 256, 12);
        Assert.Equal(6, swav.Augment!.LocalCrops);
        Assert.Equal("0", swav.Options!["queue_length"]);
        Assert.Equal(313, int.Parse(swav.Options["freeze_prototypes_steps"], CultureInfo.InvariantCulture));
    }
}
