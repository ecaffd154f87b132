using SslSharp.Backbones;
using SslSharp.Data;
using SslSharp.Methods;
using SslSharp.Methods.Correlation;
using SslSharp.Runs;

namespace SslSharp.Tests.Runs;

/// <summary>The presets of DCL, DCLW, triplet, contrastive-margin, DirectCLR and W-MSE build their method with the backbones they are meant for.</summary>
public sealed class ContrastiveSimplePresetTests
{
    public static IEnumerable<object[]> Methods() =>
        new[] { "dcl", "dclw", "triplet", "contrastive-margin", "directclr", "wmse" }.Select(m => new object[] { m });

    [Theory]
    [MemberData(nameof(Methods))]
    public void Small_preset_is_the_embedded_default_and_builds_with_the_default_backbone(string method)
    {
        var config = PretrainDefaults.For(method, FashionMnist.EmbeddedName);
        var preset = MethodPresets.Find(method, "small")!;
        Assert.Equal(preset.LearningRate, config.LearningRate);
        Assert.Equal(preset.Optimizer, config.Optimizer);
        Assert.Equal(preset.BatchSize, config.BatchSize);
        Assert.All(preset.Options!, kv => Assert.Equal(kv.Value, config.Options[kv.Key]));
        Assert.NotNull(config.Augment);
        using var backbone = BackboneFactory.Create(config.Backbone, 1);
        using var built = MethodRegistry.Create(method, backbone, new MethodSettings(config.Options));
        Assert.True(config.BatchSize >= built.MinimumBatchSize, $"{method}: batch {config.BatchSize} < {built.MinimumBatchSize}");
        if (built is WMSE w) Assert.Equal(0, config.BatchSize % w.WhiteningSize);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Large_preset_builds_on_a_resnet50_wide_representation(string method)
    {
        var config = MethodPresets.Find(method, "large")!.ApplyTo(new RunConfig { Method = method, BatchSize = 8, Optimizer = SslSharp.Training.Optim.OptimizerKind.Sgd });
        using var backbone = new ConvNet(3, new[] { 8, 2048 });   // ResNet-50's 2048 features at a fraction of the cost
        using var built = MethodRegistry.Create(method, backbone, new MethodSettings(config.Options));
        Assert.True(config.BatchSize >= built.MinimumBatchSize, $"{method}: batch {config.BatchSize} < {built.MinimumBatchSize}");
        if (built is WMSE w) Assert.Equal(0, config.BatchSize % w.WhiteningSize);
    }
}
