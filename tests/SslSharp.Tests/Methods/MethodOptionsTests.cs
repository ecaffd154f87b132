using System.Reflection;
using SslSharp.Backbones;
using SslSharp.Heads;
using SslSharp.Methods;
using SslSharp.Methods.Clustering;
using SslSharp.Methods.Contrastive;
using SslSharp.Methods.Correlation;
using SslSharp.Methods.SelfDistillation;
using SslSharp.Modules;
using SslSharp.Tests.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Tests.Methods;

/// <summary>
/// Every registered method's options record is the one source of its defaults: the description and
/// <c>sslsharp methods NAME</c> show each setting once with the record's default, a method built from empty settings
/// carries the record's values, unknown keys fail with the known list, and no setting of the old factories was renamed.
/// </summary>
[Collection("Console")]
public class MethodOptionsTests
{
    /// <summary>The keys each factory read before the options records (copied from the old factories): none is renamed.</summary>
    private static readonly Dictionary<string, string[]> OldKeys = new()
    {
        ["simclr"] = ["temperature", "hidden_dim", "output_dim", "projector_layers", "seed"],
        ["mocov2"] = ["temperature", "queue_size", "hidden_dim", "output_dim", "base_momentum", "final_momentum", "symmetric", "seed", "bn_splits"],
        ["mocov3"] = ["temperature", "hidden_dim", "output_dim", "predictor_hidden_dim", "projector_layers", "base_momentum", "final_momentum", "seed"],
        ["nnclr"] = ["temperature", "queue_size", "hidden_dim", "output_dim", "predictor_hidden_dim", "seed"],
        ["dcl"] = ["temperature", "hidden_dim", "output_dim", "seed"],
        ["dclw"] = ["temperature", "hidden_dim", "output_dim", "seed", "sigma"],
        ["triplet"] = ["margin", "negatives", "normalize", "hidden_dim", "output_dim", "seed"],
        ["contrastive-margin"] = ["margin", "negatives", "normalize", "hidden_dim", "output_dim", "seed"],
        ["directclr"] = ["subvector_dim", "temperature", "seed"],
        ["wmse"] = ["hidden_dim", "output_dim", "whitening_size", "iterations", "whitening_eps", "seed"],
        ["deepcluster"] = ["num_clusters", "pca_dim", "kmeans_iterations", "kmeans_plus_plus", "hidden_dim", "projector_layers", "batch_norm",
            "top_layer_std", "feature_batch_size", "seed"],
        ["byol"] = ["projector_hidden_dim", "output_dim", "predictor_hidden_dim", "base_momentum", "seed"],
        ["simsiam"] = ["projector_hidden_dim", "output_dim", "predictor_hidden_dim", "stop_gradient", "seed"],
        ["dino"] = ["out_dim", "hidden_dim", "bottleneck_dim", "head_layers", "norm_last_layer", "student_temp", "teacher_temp",
            "warmup_teacher_temp", "warmup_teacher_temp_epochs", "center_momentum", "base_momentum", "freeze_last_layer", "clip_grad", "seed"],
        ["vicreg"] = ["hidden_dim", "output_dim", "sim_coeff", "std_coeff", "cov_coeff", "seed"],
        ["barlowtwins"] = ["hidden_dim", "output_dim", "lambda", "scale_loss", "lr_weights", "lr_biases", "seed"],
        ["swav"] = ["hidden_dim", "output_dim", "prototypes", "temperature", "epsilon", "sinkhorn_iterations", "queue_length",
            "queue_start_epoch", "freeze_prototypes_steps", "seed"],
        ["ijepa"] = ["predictor_dim", "predictor_depth", "predictor_heads", "target_blocks", "min_keep", "base_momentum", "seed"],
        ["ibot"] = ["out_dim", "hidden_dim", "bottleneck_dim", "head_layers", "norm_last_layer", "student_temp", "teacher_temp",
            "warmup_teacher_temp", "teacher_patch_temp", "warmup_teacher_patch_temp", "warmup_teacher_temp_epochs", "center_momentum",
            "patch_center_momentum", "cls_loss_weight", "patch_loss_weight", "mask_ratio_min", "mask_ratio_max", "mask_probability",
            "base_momentum", "freeze_last_layer", "clip_grad", "seed"],
        ["mae"] = ["masking", "mask_ratio", "decoder_dim", "decoder_depth", "decoder_heads", "decoder_mlp_ratio", "norm_pix_loss", "seed"],
    };

    /// <summary>Width settings overridden where the paper's sizes would allocate hundreds of MB on this machine;
    /// their defaults are checked by the description test only.</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Light = new()
    {
        ["barlowtwins"] = new() { ["hidden_dim"] = "16", ["output_dim"] = "16" },
        ["vicreg"] = new() { ["hidden_dim"] = "16", ["output_dim"] = "16" },
        ["dino"] = new() { ["out_dim"] = "64" },
        ["ibot"] = new() { ["out_dim"] = "64" },
        ["deepcluster"] = new() { ["num_clusters"] = "10" },
    };

    /// <summary>Backbone width: at least DirectCLR's default sub-vector (360).</summary>
    private const int Width = 384;

    private static Backbone Backbone(string name) => name is "mae" or "ijepa" or "ibot"
        ? new VisionTransformer(new VisionTransformerOptions { ImageSize = 28, PatchSize = 4, InChannels = 1, Dim = 16, Depth = 1, Heads = 2 })
        : new StandInBackbone(1, 4, 4, Width);

    /// <summary>For each method: the record's defaults against what the built method really uses.</summary>
    private static readonly Dictionary<string, Action<SslMethod>> UsesDefaults = new()
    {
        ["simclr"] = m =>
        {
            var (s, o) = ((SimCLR)m, new SimCLROptions());
            Assert.Equal(o.Temperature, s.Temperature);
            Assert.Equal((int?)o.OutputDim, s.OutputDim);
            var head = Assert.IsType<ProjectionHead>(s.Projector);
            Assert.Equal(Enumerable.Repeat(Width, o.ProjectorLayers - 1), head.HiddenDims);   // hidden_dim = <backbone width>
        },
        ["mocov2"] = m =>
        {
            var (s, o) = ((MoCoV2)m, new MoCoV2Options());
            Assert.Equal(o.Temperature, s.Temperature);
            Assert.Equal(o.QueueSize, s.Queue.Size);
            Assert.Equal(new[] { Width }, s.Projector.HiddenDims);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
            Assert.Equal(o.BaseMomentum, s.BaseMomentum);
            Assert.Equal(o.BaseMomentum, s.FinalMomentum);                                     // final_momentum = <base_momentum>
            Assert.Equal(o.Symmetric, s.Symmetric);
            Assert.Equal(o.BnSplits, s.BnSplits);
        },
        ["mocov3"] = m =>
        {
            var (s, o) = ((MoCoV3)m, new MoCoV3Options());
            Assert.Equal(o.Temperature, s.Temperature);
            Assert.Equal(Enumerable.Repeat(o.HiddenDim, o.ProjectorLayers - 1), s.Projector.HiddenDims);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
            Assert.Equal(new[] { o.HiddenDim }, s.Predictor.HiddenDims);                      // predictor_hidden_dim = <hidden_dim>
            Assert.Equal(o.BaseMomentum, s.BaseMomentum);
            Assert.Equal(o.FinalMomentum, s.FinalMomentum);
        },
        ["nnclr"] = m =>
        {
            var (s, o) = ((NNCLR)m, new NNCLROptions());
            Assert.Equal(o.Temperature, s.Temperature);
            Assert.Equal(o.QueueSize, s.Queue.Size);
            Assert.Equal(o.HiddenDim, s.Projector.HiddenDims[0]);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
            Assert.Equal(new[] { o.PredictorHiddenDim }, s.Predictor.HiddenDims);
        },
        ["dcl"] = m =>
        {
            var (s, o) = ((DCL)m, new DCLOptions());
            Assert.False(s.Weighted);
            Assert.Equal(o.Temperature, s.Temperature);
            Assert.Equal(new[] { Width }, s.Projector.HiddenDims);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
        },
        ["dclw"] = m =>
        {
            var (s, o) = ((DCL)m, new DCLWOptions());
            Assert.True(s.Weighted);
            Assert.Equal(o.Temperature, s.Temperature);
            Assert.Equal(o.Sigma, s.Sigma);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
        },
        ["triplet"] = m => Margin(m, new TripletOptions()),
        ["contrastive-margin"] = m => Margin(m, new ContrastiveMarginOptions()),
        ["directclr"] = m =>
        {
            var (s, o) = ((DirectCLR)m, new DirectCLROptions());
            Assert.Equal(o.SubvectorDim, s.SubvectorDim);
            Assert.Equal(o.Temperature, s.Temperature);
        },
        ["wmse"] = m =>
        {
            var (s, o) = ((WMSE)m, new WMSEOptions());
            Assert.Equal(o.HiddenDim, s.Projector.HiddenDims[0]);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
            Assert.Equal(o.WhiteningSize, s.WhiteningSize);
            Assert.Equal(o.Iterations, s.Iterations);
            Assert.Equal(o.WhiteningEps, s.Eps);
        },
        ["deepcluster"] = m =>
        {
            var (s, o) = ((DeepCluster)m, new DeepClusterOptions());
            Assert.Equal(o.PcaDim, s.PcaDim);
            Assert.Equal(o.KmeansIterations, s.KMeansIterations);
            Assert.Equal(o.KmeansPlusPlus ? KMeansInit.PlusPlus : KMeansInit.Random, s.KMeansInit);
            Assert.Equal(Enumerable.Repeat(o.HiddenDim, o.ProjectorLayers), s.Projector!.HiddenDims.Append(s.Projector.OutputDim));
            Assert.Equal(o.TopLayerStd, s.TopLayerStd);
            Assert.Equal(o.FeatureBatchSize, s.FeatureBatchSize);
            Assert.Equal(o.Seed, s.Seed);
        },
        ["byol"] = m =>
        {
            var (s, o) = ((BYOL)m, new BYOLOptions());
            Assert.Equal(new[] { o.ProjectorHiddenDim }, s.Projector.HiddenDims);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
            Assert.Equal(new[] { o.PredictorHiddenDim }, s.Predictor.HiddenDims);
            Assert.Equal(o.BaseMomentum, s.BaseMomentum);
        },
        ["simsiam"] = m =>
        {
            var (s, o) = ((SimSiam)m, new SimSiamOptions());
            Assert.Equal(new[] { o.ProjectorHiddenDim, o.ProjectorHiddenDim }, s.Projector.HiddenDims);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
            Assert.Equal(new[] { o.PredictorHiddenDim }, s.Predictor.HiddenDims);
            Assert.Equal(o.StopGradient, s.StopGradient);
        },
        ["dino"] = m =>
        {
            var (s, o) = ((DINO)m, new DINOOptions());
            Assert.Equal(o.HiddenDim, s.Head.HiddenDim);
            Assert.Equal(o.BottleneckDim, s.Head.BottleneckDim);
            Assert.Equal(o.HeadLayers, s.Head.Layers);
            Assert.Equal(o.NormLastLayer, s.Head.NormLastLayer);
            Assert.Equal(o.StudentTemp, s.StudentTemperature);
            Assert.Equal(o.TeacherTemp, s.TeacherTemperature);
            Assert.Equal(o.WarmupTeacherTemp, s.WarmupTeacherTemperature);
            Assert.Equal(o.WarmupTeacherTempEpochs, s.WarmupTeacherTemperatureEpochs);
            Assert.Equal(o.CenterMomentum, s.CenterMomentum);
            Assert.Equal(o.BaseMomentum, s.BaseMomentum);
            Assert.Equal(o.FreezeLastLayer, s.FreezeLastLayerEpochs);
            Assert.Equal(o.ClipGrad, s.ClipGradient);
        },
        ["vicreg"] = m =>
        {
            var (s, o) = ((VICReg)m, new VICRegOptions());
            Assert.Equal(o.SimCoeff, s.SimCoeff);
            Assert.Equal(o.StdCoeff, s.StdCoeff);
            Assert.Equal(o.CovCoeff, s.CovCoeff);
        },
        ["barlowtwins"] = m =>
        {
            var (s, o) = ((BarlowTwins)m, new BarlowTwinsOptions());
            Assert.Equal(o.Lambda, s.Lambda);
            Assert.Equal(o.ScaleLoss, s.ScaleLoss);
            Assert.Equal(o.LrWeights, s.LrWeights);
            Assert.Equal(o.LrBiases, s.LrBiases);
        },
        ["swav"] = m =>
        {
            var (s, o) = ((SwAV)m, new SwAVOptions());
            Assert.Equal(o.HiddenDim, s.Projector.HiddenDims[0]);
            Assert.Equal(o.OutputDim, s.Projector.OutputDim);
            Assert.Equal(o.Prototypes, s.Prototypes.Count);
            Assert.Equal(o.Temperature, s.Temperature);
            Assert.Equal(o.Epsilon, s.Epsilon);
            Assert.Equal(o.SinkhornIterations, s.SinkhornIterations);
            Assert.Equal(o.QueueLength, s.QueueLength);
            Assert.Equal(o.QueueStartEpoch, s.QueueStartEpoch);
            Assert.Equal(o.FreezePrototypesSteps, s.FreezePrototypesSteps);
        },
        ["mae"] = Mae,
        ["ibot"] = m =>
        {
            var (s, o) = ((SslSharp.Methods.Masked.IBOT)m, new SslSharp.Methods.Masked.IBOTOptions() with { OutDim = 64 });
            Assert.Equal(o, s.Options);
            Assert.Equal(o.HiddenDim, s.Head.HiddenDim);
            Assert.Equal(o.BottleneckDim, s.Head.BottleneckDim);
            Assert.Equal(new long[] { 1, 1, 64 }, s.PatchCenter.shape);
        },
        ["ijepa"] = m =>
        {
            var (s, o) = ((SslSharp.Methods.Masked.IJEPA)m, new SslSharp.Methods.Masked.IJEPAOptions());
            Assert.Equal(o, s.Options);
            Assert.Equal(o.PredictorDim, s.Predictor.Dim);
        },
    };

    private static void Mae(SslMethod m)
    {
        var (s, o) = ((SslSharp.Methods.Masked.MAE)m, new SslSharp.Methods.Masked.MAEOptions());
        Assert.Equal(o, s.Options);
        Assert.Equal(o.DecoderDim, s.Decoder.Dim);
        Assert.Equal(o.DecoderDepth, s.Decoder.named_children().Single(c => c.name == "decoder_blocks").module.children().Count());
    }

    private static void Margin(SslMethod m, MarginMethodOptions o)
    {
        var s = (DeepMetricLearning)m;
        Assert.Equal(o.Loss, s.Loss);
        Assert.Equal(o.Margin, s.Margin);
        Assert.Equal(o.Negatives, s.Mining);
        Assert.Equal(o.Normalize, s.Normalize);
        Assert.Equal(new[] { Width }, s.Projector.HiddenDims);
        Assert.Equal(o.OutputDim, s.Projector.OutputDim);
    }

    public static IEnumerable<object[]> Names() => MethodRegistry.Names.Select(n => new object[] { n });

    /// <summary>The record's settings: key and default text, from the record itself (not through the binder's description).</summary>
    private static List<(string Key, string Default)> RecordSettings(string name)
    {
        var type = MethodRegistry.OptionsType(name) ?? throw new InvalidOperationException($"{name} has no options record.");
        var instance = Activator.CreateInstance(type)!;
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p =>
            {
                var a = p.GetCustomAttribute<SettingAttribute>();
                Assert.True(a is not null, $"{type.Name}.{p.Name} has no [Setting]");
                Assert.False(string.IsNullOrWhiteSpace(a!.Description));
                var value = p.GetValue(instance);
                string text = value switch
                {
                    null => a.DefaultText ?? throw new InvalidOperationException($"{type.Name}.{p.Name}: null default without DefaultText"),
                    bool b => b ? "true" : "false",
                    double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    Enum e => MethodOptionsBinder.KebabCase(e.ToString()),
                    IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                    _ => value.ToString()!,
                };
                return (a.Name ?? MethodOptionsBinder.SnakeCase(p.Name), text);
            }).ToList();
    }

    [Fact]
    public void Every_registered_method_has_an_options_record_and_a_defaults_check()
    {
        Assert.Equal(20, MethodRegistry.Names.Count);
        foreach (var name in MethodRegistry.Names)
        {
            Assert.NotNull(MethodRegistry.OptionsType(name));
            Assert.True(UsesDefaults.ContainsKey(name), name);
            Assert.True(OldKeys.ContainsKey(name), name);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_description_lists_every_setting_once_with_the_record_default(string name)
    {
        var description = MethodRegistry.Describe(name);
        var settings = RecordSettings(name);
        foreach (var (key, value) in settings)
        {
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(description.Defaults, $"(^| ){System.Text.RegularExpressions.Regex.Escape(key)}="));
            Assert.Matches($"(^| ){System.Text.RegularExpressions.Regex.Escape($"{key}={value}")}( |$)", description.Defaults);
        }
        Assert.Equal(settings.Count, System.Text.RegularExpressions.Regex.Matches(description.Defaults, "(^| )[a-z_]+=").Count);
        Assert.Equal(settings.Select(s => s.Key).Order(StringComparer.Ordinal), description.Settings!.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace(description.Family));
        Assert.False(string.IsNullOrWhiteSpace(description.Paper));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_methods_command_shows_every_setting_once_with_its_default_and_description(string name)
    {
        var output = RunCli("methods", name);
        var head = output[..output.IndexOf($"{name}.small.yaml", StringComparison.Ordinal)];   // the table, before the presets
        var rows = head.Split('\n')
            .Select(l => l.Split('│', '|').Select(c => c.Trim()).Where(c => c.Length > 0).ToArray())
            .Where(cells => cells.Length >= 3)
            .ToList();
        var described = MethodRegistry.Describe(name).Settings!;
        foreach (var (key, value) in RecordSettings(name))
        {
            var row = Assert.Single(rows, r => r[0] == key);
            Assert.Equal(value, row[1]);
            Assert.Equal(described.Single(s => s.Name == key).Description, row[2]);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_method_built_from_empty_settings_uses_the_record_defaults(string name)
    {
        var settings = new MethodSettings(Light.GetValueOrDefault(name));
        using var method = MethodRegistry.Create(name, Backbone(name), settings);
        UsesDefaults[name](method);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void An_unknown_key_fails_with_the_known_settings(string name)
    {
        var settings = new MethodSettings(new Dictionary<string, string> { ["no-such-setting"] = "1" });
        var e = Assert.Throws<ArgumentException>(() => MethodRegistry.Create(name, Backbone(name), settings));
        Assert.Contains($"Method '{name}' does not understand the setting(s) 'no-such-setting'.", e.Message);
        var known = e.Message[(e.Message.IndexOf("Known settings: ", StringComparison.Ordinal) + "Known settings: ".Length)..].TrimEnd('.');
        Assert.Equal(RecordSettings(name).Select(s => s.Key).Order(StringComparer.Ordinal), known.Split(", ").Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void No_setting_of_the_old_factories_was_renamed(string name)
    {
        // No key was renamed, so there is no old spelling to redirect: the record's keys are exactly the old ones.
        Assert.Equal(OldKeys[name].Order(StringComparer.Ordinal), RecordSettings(name).Select(s => s.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Values_parse_as_before()
    {
        var options = new MethodSettings(new Dictionary<string, string>
        {
            ["Teacher-Temp"] = "0.07", ["warmup_teacher_temp_epochs"] = "4", ["NORM_LAST_LAYER"] = "no", ["seed"] = "12345678901",
        }).Bind<DINOOptions>("dino");
        Assert.Equal(new DINOOptions { TeacherTemp = 0.07, WarmupTeacherTempEpochs = 4, NormLastLayer = false, Seed = 12345678901 }, options);

        var mined = new MethodSettings(new Dictionary<string, string> { ["negatives"] = "Semi_Hard" }).Bind<TripletOptions>("triplet");
        Assert.Equal(NegativeMining.SemiHard, mined.Negatives);
        Assert.Equal(new MoCoV3Options().HiddenDim, new MethodSettings().Bind<MoCoV3Options>("mocov3").HiddenDim);
        Assert.Equal(64, new MethodSettings(new Dictionary<string, string> { ["predictor_hidden_dim"] = "64" })
            .Bind<MoCoV3Options>("mocov3").PredictorHiddenDim);
        Assert.Equal(0.9, new MethodSettings(new Dictionary<string, string> { ["final_momentum"] = "0.9" })
            .Bind<MoCoV2Options>("mocov2").FinalMomentum);

        AssertMessage("Method setting 'temperature' must be a number but is 'warm'.", new() { ["temperature"] = "warm" });
        AssertMessage("Method setting 'hidden_dim' must be an integer but is '2.5'.", new() { ["hidden_dim"] = "2.5" });
        AssertMessage("Method setting 'seed' must be an integer but is 'x'.", new() { ["seed"] = "x" });
        AssertMessage("Method setting 'normalize' must be true or false but is 'maybe'.", new() { ["normalize"] = "maybe" });
        AssertMessage("Method setting 'negatives' must be one of hardest, semi-hard, random but is 'easiest'.", new() { ["negatives"] = "easiest" });

        static void AssertMessage(string message, Dictionary<string, string> values)
        {
            var name = values.ContainsKey("temperature") ? "simclr" : "triplet";
            var e = Assert.Throws<ArgumentException>(() => MethodRegistry.Create(name, Backbone(name), new MethodSettings(values)));
            Assert.Equal(message, e.Message);
        }
    }

    private static string RunCli(params string[] args)
    {
        var (code, output) = SslSharp.Tests.Cli.CliRunner.Run(args);
        Assert.Equal(0, code);
        return output;
    }
}
