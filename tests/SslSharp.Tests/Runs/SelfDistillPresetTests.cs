using SslSharp.Backbones;
using SslSharp.Methods;
using SslSharp.Methods.SelfDistillation;
using SslSharp.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Runs;

public sealed class SelfDistillPresetTests
{
    private static readonly float[] Mean = { 0.3f }, Std = { 0.3f };

    private static (RunConfig Config, SslMethod Method) Build(string method, string size, ConvNet backbone)
    {
        var config = MethodPresets.Find(method, size)!.ApplyTo(new RunConfig { Method = method, BatchSize = 8, Optimizer = SslSharp.Training.Optim.OptimizerKind.Sgd });
        var settings = new Dictionary<string, string>(config.Options) { ["seed"] = "1" };
        return (config, MethodRegistry.Create(method, backbone, new MethodSettings(settings)));
    }

    [Theory]
    [InlineData("byol")]
    [InlineData("simsiam")]
    [InlineData("dino")]
    public void Small_preset_views_train_one_step_of_the_method(string method)
    {
        // The preset's own views (28 px, 1 channel) through the method built from the preset's settings.
        var (config, m) = Build(method, "small", new ConvNet(1, new[] { 8, 16 }, seed: 1));
        using var _ = m;
        using var scope = torch.NewDisposeScope();
        var images = torch.randint(0, 256, new long[] { 6, 1, 28, 28 }, dtype: ScalarType.Byte, generator: new Generator(2));
        using var views = config.Augment!.Build(28, 1, Mean, Std).CreateViews(images, null, new Generator(3));
        var output = m.call(views);
        Assert.True(float.IsFinite(output.Loss.item<float>()), $"{method}: loss {output.Loss.item<float>()}");
        output.Loss.backward();
    }

    [Fact]
    public void Byol_views_are_asymmetric_and_dino_has_a_weight_decay_schedule_and_multi_crop_one_setting_away()
    {
        var byol = MethodPresets.Find("byol", "small")!.ApplyTo(new RunConfig());
        Assert.Equal(new[] { 0.0, 0.2 }, byol.Augment!.SolarizeP);
        Assert.Equal(new[] { 1.0, 0.1 }, MethodPresets.Find("byol", "large")!.ApplyTo(new RunConfig()).Augment!.BlurP);
        Assert.Equal(SslSharp.Training.Optim.OptimizerKind.Lars, byol.Optimizer);

        var dino = MethodPresets.Find("dino", "small")!.ApplyTo(new RunConfig());
        Assert.Equal(SslSharp.Training.Optim.OptimizerKind.AdamW, dino.Optimizer);
        Assert.Equal(0.04, dino.WeightDecay);
        Assert.Equal(0.4, dino.WeightDecayEnd);
        // The small preset trains on the two global crops (5-epoch runs did better without local crops);
        // local_crops: 4 turns on its 12 px local crops.
        var globalOnly = dino.Augment!.Build(28, 1, Mean, Std);
        Assert.Equal(2, globalOnly.GlobalCount);
        Assert.Equal(2, globalOnly.ViewCount);
        var views = (dino.Augment with { LocalCrops = 4 }).Build(28, 1, Mean, Std);
        Assert.Equal(2, views.GlobalCount);
        Assert.Equal(6, views.ViewCount);
        using var scope = torch.NewDisposeScope();
        using var batch = views.CreateViews(torch.randint(0, 256, new long[] { 4, 1, 28, 28 }, dtype: ScalarType.Byte), null, new Generator(1));
        Assert.Equal(new long[] { 4, 1, 28, 28 }, batch.Views[1].shape);
        Assert.Equal(new long[] { 4, 1, 12, 12 }, batch.Views[5].shape);

        var large = MethodPresets.Find("dino", "large")!.ApplyTo(new RunConfig());
        Assert.Equal("65536", large.Options["out_dim"]);
        Assert.Equal(8, large.Augment!.LocalCrops);
        var simsiam = MethodPresets.Find("simsiam", "large")!.ApplyTo(new RunConfig());
        Assert.Equal(0.05, simsiam.LearningRate);
    }
}
