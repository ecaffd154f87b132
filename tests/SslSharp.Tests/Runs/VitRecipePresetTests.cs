using SslSharp.Backbones;
using SslSharp.Cli.Commands;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Runs;
using SslSharp.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Runs;

/// <summary>The ViT recipes: <c>--method dino|mocov3 --backbone vit-*</c> pick <c>&lt;method&gt;.&lt;size&gt;-vit.yaml</c>;
/// MoCo v3's preset builds a ViT whose patch projection takes no gradient and does not move in a step; a preset's AdamW
/// betas reach the optimizer; backbone settings come from presets and <c>--set backbone.KEY=VALUE</c> under the names
/// <c>config.yaml</c> uses.</summary>
public class VitRecipePresetTests
{
    private const string Data = FashionMnist.EmbeddedName;

    [Fact]
    public void A_vit_backbone_picks_the_methods_vit_recipe_and_a_cnn_keeps_the_plain_one()
    {
        var moco = PretrainDefaults.For("mocov3", Data, backbone: "vit-cpu");
        Assert.Equal(OptimizerKind.AdamW, moco.Optimizer);
        Assert.True(moco.Backbone.FrozenPatchProjection);
        Assert.Equal("vit-cpu", moco.Backbone.Name);
        Assert.Equal("3", moco.Options["projector_layers"]);
        var dino = PretrainDefaults.For("dino", Data, backbone: "vit-cpu");
        Assert.Equal(0.1, dino.Backbone.DropPathRate);
        Assert.Equal(0.4, dino.WeightDecayEnd);
        Assert.Equal(OptimizerKind.AdamW, dino.Optimizer);
        var plain = PretrainDefaults.For("mocov3", Data, backbone: "convnet");
        Assert.Equal(OptimizerKind.Sgd, plain.Optimizer);
        Assert.False(plain.Backbone.FrozenPatchProjection);
        // A method without a ViT recipe keeps its own preset with a ViT too.
        Assert.Equal(PretrainDefaults.For("simclr", Data).Options, PretrainDefaults.For("simclr", Data, backbone: "vit-cpu").Options);
        // The command line goes the same way.
        var cli = PretrainCommand.Resolve(new PretrainSettings { Method = "mocov3", Backbone = "vit-cpu" });
        Assert.True(cli.Backbone.FrozenPatchProjection);
        Assert.Equal(OptimizerKind.AdamW, cli.Optimizer);
    }

    [Fact]
    public void The_mocov3_vit_preset_builds_a_vit_whose_patch_projection_takes_no_gradient_and_stays_put_through_a_step()
    {
        using var scope = NewDisposeScope();
        var config = PretrainDefaults.For("mocov3", Data, backbone: "vit-cpu");
        using var method = PretrainRunner.CreateMethod(config, inChannels: 1, imageSize: 28);
        var vit = Assert.IsType<VisionTransformer>(method.Encoder);
        Assert.True(vit.Options.FrozenPatchProjection);
        var projection = vit.named_parameters().Where(p => p.name.StartsWith("patch_embed.", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, projection.Count);
        Assert.All(projection, p => Assert.False(p.parameter.requires_grad, p.name));
        var before = projection.Select(p => p.parameter.clone()).ToList();
        var block = vit.named_parameters().First(p => p.name.StartsWith("blocks.0.", StringComparison.Ordinal) && p.parameter.dim() == 2).parameter;
        var blockBefore = block.clone();

        using var optimizer = Optimizers.Create(method.ParameterGroups(), PretrainRunner.TrainerOptionsFor(config));
        Assert.IsType<AdamWOptimizer>(optimizer);
        var g = new Generator(1);
        var progress = new TrainingProgress(0, 10, 0, 10);
        method.train();
        method.OnStepStart(progress);
        var x = torch.rand(new long[] { 8, 1, 28, 28 }, generator: g);
        var output = method.call(new ViewBatch(new[] { x, x.flip(3) }));
        output.Loss.backward();
        Assert.All(projection, p => Assert.True(p.parameter.grad is null, p.name));
        method.OnAfterBackward(progress);
        optimizer.Step();
        method.OnAfterOptimizerStep(progress);
        for (int i = 0; i < projection.Count; i++)
            Assert.True(projection[i].parameter.eq(before[i]).all().item<bool>(), $"{projection[i].name} moved");
        Assert.False(block.eq(blockBefore).all().item<bool>(), "the blocks did not train");
    }

    [Fact]
    public void A_presets_betas_reach_adamw_and_the_default_stays_the_trainers()
    {
        using var scope = NewDisposeScope();
        var mae = PretrainDefaults.For("mae", Data);
        Assert.Equal(new[] { 0.9, 0.95 }, mae.Betas);
        Assert.Equal((0.9, 0.95), PretrainRunner.TrainerOptionsFor(mae).Betas);
        var p = new TorchSharp.Modules.Parameter(torch.zeros(3));
        var groups = new[] { new ParameterGroup("all", new List<TorchSharp.Modules.Parameter> { p }) };
        using var adamw = Assert.IsType<AdamWOptimizer>(Optimizers.Create(groups, PretrainRunner.TrainerOptionsFor(mae)));
        Assert.Equal(0.9, adamw.Beta1);
        Assert.Equal(0.95, adamw.Beta2);
        var dino = PretrainDefaults.For("dino", Data);
        Assert.Null(dino.Betas);
        Assert.Equal(new SslSharp.Training.TrainerOptions().Betas, PretrainRunner.TrainerOptionsFor(dino).Betas);
        Assert.Equal(new[] { 0.9, 0.999 }, PretrainDefaults.For("ijepa", Data).Betas);
        var back = RunConfig.FromYaml(mae.ToYaml());
        Assert.Equal(mae.Betas, back.Betas);
        Assert.Equal(mae.Betas, RunConfig.FromJson(mae.ToJson()).Betas);
        var e = Assert.Throws<ArgumentException>(() => PretrainRunner.Validate(mae with { Betas = new[] { 0.9 } }));
        Assert.Contains("betas must be two numbers", e.Message);
    }

    [Fact]
    public void Backbone_settings_come_from_set_and_presets_under_the_names_config_yaml_writes()
    {
        var config = PretrainCommand.Resolve(new PretrainSettings
        {
            Method = "dino", Backbone = "vit-cpu",
            Set = ["backbone.pooling=mean", "backbone.layer_scale_init=0.1", "backbone.frozen_patch_projection=true", "teacher_temp=0.05"],
        });
        Assert.Equal(VitPooling.Mean, config.Backbone.Pooling);
        Assert.Equal(0.1, config.Backbone.LayerScaleInit);
        Assert.True(config.Backbone.FrozenPatchProjection);
        Assert.Equal(0.1, config.Backbone.DropPathRate);        // from dino.small-vit.yaml
        Assert.Equal("0.05", config.Options["teacher_temp"]);
        Assert.DoesNotContain(config.Options.Keys, k => k.StartsWith("backbone", StringComparison.Ordinal));
        var yaml = config.ToYaml();
        foreach (var key in new[] { "pooling: mean", "layer_scale_init: 0.1", "frozen_patch_projection: true", "drop_path_rate: 0.1" })
            Assert.Contains(key, yaml);
        // Every key of the backbone section is settable, under the name config.yaml gives it.
        var yamlNames = typeof(BackboneOptions).GetProperties()
            .Select(q => YamlDotNet.Serialization.NamingConventions.UnderscoredNamingConvention.Instance.Apply(q.Name));
        Assert.Equal(yamlNames.Order(StringComparer.Ordinal), BackboneSettings.Keys.Order(StringComparer.Ordinal));
        using var vit = BackboneFactory.Create(config.Backbone, 1, 0, 28);
        var options = ((VisionTransformer)vit).Options;
        Assert.Equal((VitPooling.Mean, 0.1, true, 0.1), (options.Pooling, options.LayerScaleInit, options.FrozenPatchProjection, options.DropPathRate));

        var e = Assert.Throws<ArgumentException>(() => BackboneSettings.Apply(new BackboneOptions(), "frozen", "true"));
        Assert.Contains("Known backbone settings: name, width_multiplier", e.Message);
        Assert.Throws<ArgumentException>(() => BackboneSettings.Apply(new BackboneOptions(), "pooling", "max"));
        var preset = MethodPreset.Parse("backbone: vit-cpu\nbackbone_settings:\n  pooling: mean\n", "test");
        Assert.Equal(VitPooling.Mean, preset.ApplyTo(new RunConfig()).Backbone.Pooling);
    }
}
