using SslSharp.Backbones;
using SslSharp.Runs;

namespace SslSharp.Tests.Runs;

/// <summary>The backbone section of a run configuration, and configurations written before it existed.</summary>
public class RunConfigTests
{
    /// <summary>
    /// The run configuration a checkpoint written before the backbone section held: the <c>Config</c> entry of a real
    /// <c>last.ckpt</c> header from <c>sslsharp pretrain --max-steps 10 --epochs 1</c> (2026-12-06, commit 3c3014a).
    /// </summary>
    private const string OldCheckpointJson =
        """{"Method":"simclr","Dataset":"fashion-mnist-embedded","DataDir":null,"Backbone":"convnet","LowResStem":true,"StemMaxPool":null,"WidthMultiplier":0.5,"Epochs":1,"BatchSize":128,"Optimizer":"sgd","LearningRate":0.6,"WeightDecay":0.0001,"WeightDecayEnd":null,"WarmupEpochs":0.1,"MinLr":0,"KnnEvery":0,"DiagnosticsEvery":5,"OnlineProbe":true,"Seed":0,"Device":"cpu","Options":{"temperature":"0.2","projector_layers":"2","output_dim":"128"},"Augment":{"CropScale":[0.2,1],"Jitter":[0.4,0.4,0.4,0.1],"JitterP":0.8,"GrayscaleP":0.2,"BlurP":[0],"SolarizeP":[0],"GlobalCrops":null,"GlobalSize":null,"LocalCrops":null,"LocalSize":null,"LocalScale":null,"LocalBlurP":null}}""";

    [Fact]
    public void An_old_checkpoint_configuration_reads_into_the_backbone_section_and_gives_the_same_run()
    {
        var config = RunConfig.FromJson(OldCheckpointJson);

        Assert.Equal(new BackboneOptions { Name = "convnet", LowResStem = true, StemMaxPool = null, WidthMultiplier = 0.5 }, config.Backbone);
        var today = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with { Epochs = 1, WarmupEpochs = 0.1 };
        var none = new Dictionary<string, string>();
        Assert.Equal(today with { Options = none, Augment = null }, config with { Options = none, Augment = null });
        Assert.Equal(today.Options.OrderBy(kv => kv.Key), config.Options.OrderBy(kv => kv.Key));
        Assert.Equal(config, RunConfig.FromJson(System.Text.Json.JsonSerializer.Serialize(config)) with { Options = config.Options, Augment = config.Augment });
    }

    [Fact]
    public void Config_yaml_holds_the_backbone_as_a_section_and_names_the_new_place_of_a_moved_key()
    {
        var yaml = (PretrainDefaults.For("simclr", "fashion-mnist") with { Backbone = new() { Name = "resnet18", LowResStem = true, StemMaxPool = true, WidthMultiplier = 0.5 } }).ToYaml();
        Assert.Contains("backbone:\n  name: resnet18\n  width_multiplier: 0.5\n  low_res_stem: true\n  stem_max_pool: true\n", yaml.Replace("\r\n", "\n"));
        Assert.Equal(0.5, RunConfig.FromYaml(yaml).Backbone.WidthMultiplier);

        var moved = Assert.Throws<InvalidDataException>(() => RunConfig.FromYaml("method: simclr\nwidth_multiplier: 0.5\n"));
        Assert.Contains("the key 'width_multiplier' moved into the backbone section", moved.Message);
        var scalar = Assert.Throws<InvalidDataException>(() => RunConfig.FromYaml("method: simclr\nbackbone: resnet18\n"));
        Assert.Contains("'backbone' is a section now", scalar.Message);
    }
}
