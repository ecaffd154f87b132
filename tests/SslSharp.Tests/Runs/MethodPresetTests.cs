using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Methods;
using SslSharp.Runs;
using TorchSharp;

namespace SslSharp.Tests.Runs;

public sealed class MethodPresetTests
{
    [Fact]
    public void Every_registered_method_has_a_small_and_a_large_preset()
    {
        var available = MethodPresets.Available;
        foreach (var method in MethodRegistry.Names)
        {
            Assert.Contains((method, "small"), available);
            Assert.Contains((method, "large"), available);
        }
    }

    [Fact]
    public void Every_built_in_preset_parses_builds_its_views_and_its_method()
    {
        Assert.NotEmpty(MethodPresets.Available);
        foreach (var (method, size) in MethodPresets.Available)
        {
            Assert.True(MethodRegistry.IsKnown(method), $"preset {method}.{size}.yaml names no registered method");
            var preset = MethodPresets.Find(method, size)!;
            var config = preset.ApplyTo(new RunConfig { Method = method, Seed = 1, BatchSize = 8, Optimizer = SslSharp.Training.Optim.OptimizerKind.Sgd });
            Assert.True(config.BatchSize >= 2, $"{method}.{size}: batch size {config.BatchSize}");
            Assert.True(Enum.IsDefined(config.Optimizer), $"{method}: optimizer {config.Optimizer}");
            int imageSize = size == "small" ? 28 : 64;
            var views = (config.Augment ?? new()).Build(imageSize, 3, new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.2f, 0.2f, 0.2f });
            // Small presets must fit a small backbone; large ones may assume a ResNet-sized representation
            // (DirectCLR's official sub-vector of 360 features), here a 512-wide stand-in.
            // A preset that names its backbone (MAE: a ViT) names a known one and gets a tiny ViT here.
            if (preset.Backbone is not null) Assert.Contains(preset.Backbone, BackboneFactory.Names);
            using Backbone backbone = preset.Backbone is not null
                ? new VisionTransformer(new VisionTransformerOptions { ImageSize = imageSize, PatchSize = 4, InChannels = 3, Dim = 16, Depth = 1, Heads = 2 })
                : size == "small" ? new ConvNet(3, widthMultiplier: 0.25) : new ConvNet(3, new[] { 8, 512 });
            var settings = new Dictionary<string, string>(config.Options) { ["seed"] = "1" };
            using var built = MethodRegistry.Create(method, backbone.CreateTwin(), new MethodSettings(settings));
            Assert.NotNull(built.Encoder);
            Assert.True(views.ViewCount >= built.MinimumViews, $"{method}.{size}: {views.ViewCount} view(s), the method needs {built.MinimumViews}");
            // Every method with a projector exposes it to the guillotine probe; DirectCLR has none by design and
            // DeepCluster's is optional; MAE and I-JEPA have a decoder / predictor, not a projector.
            if (method is not ("directclr" or "deepcluster" or "mae" or "ijepa"))
                Assert.True(built is SslSharp.Core.IHasProjector, $"{method} does not expose its projector (IHasProjector)");
        }
    }

    [Fact]
    public void Defaults_take_the_method_preset_over_the_data_set_and_a_given_preset_over_both()
    {
        var d = PretrainDefaults.For("simclr", FashionMnist.EmbeddedName);
        Assert.Equal("0.2", d.Options["temperature"]);
        Assert.Equal(new[] { 0.2, 1.0 }, d.Augment!.CropScale);
        Assert.Equal("convnet", d.Backbone.Name);
        var custom = MethodPreset.Parse("learning_rate: 0.1\noptions:\n  temperature: 0.5\n", "test");
        var c = PretrainDefaults.For("simclr", FashionMnist.EmbeddedName, custom);
        Assert.Equal(0.1, c.LearningRate);
        Assert.Equal("0.5", c.Options["temperature"]);
        Assert.Null(c.Augment);
    }

    [Fact]
    public void Unknown_keys_and_missing_files_fail_with_a_clear_message()
    {
        var e = Assert.Throws<InvalidDataException>(() => MethodPreset.Parse("learning_rte: 0.1\n", "'x.yaml'"));
        Assert.Contains("x.yaml", e.Message);
        Assert.Contains("learning_rate", e.Message);
        Assert.Throws<FileNotFoundException>(() => MethodPreset.Read("/nonexistent/preset.yaml"));
    }

    [Fact]
    public void A_config_with_a_recipe_round_trips_through_yaml()
    {
        var config = PretrainDefaults.For("simclr", FashionMnist.EmbeddedName) with { WeightDecayEnd = 0.4 };
        var back = RunConfig.FromYaml(config.ToYaml());
        Assert.Equal(config.Augment!.CropScale, back.Augment!.CropScale);
        Assert.Equal(config.Augment.BlurP, back.Augment.BlurP);
        Assert.Equal(0.4, back.WeightDecayEnd);
    }
}
