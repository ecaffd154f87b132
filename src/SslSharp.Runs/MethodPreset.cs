using SslSharp.Augment.Presets;
using SslSharp.Training.Optim;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SslSharp.Runs;

/// <summary>
/// A method preset: the recipe part of a run (batch, optimizer, learning rate, weight decay, warmup,
/// method settings, augmentations) for one image-size class, read from a YAML file such as
/// <c>byol.small.yaml</c>. Every key is optional; a key that is present overrides the data set's
/// default in <see cref="PretrainDefaults"/>, and the command line overrides both.
/// </summary>
/// <remarks>
/// Keys are the snake_case names of <see cref="RunConfig"/> (<c>batch_size</c>, <c>learning_rate</c>,
/// <c>weight_decay_end</c>, <c>options</c>, <c>augment</c>, ...). The training budget (backbone, epochs)
/// belongs to the data set and the command line, not to the preset, except for a method that needs a kind of
/// backbone (<c>backbone: vit-cpu</c> for the masked methods). One file per data-size class and
/// method follows solo-learn's <c>scripts/pretrain/cifar/*.yaml</c>.
/// </remarks>
public sealed record MethodPreset
{
    /// <summary>Images per optimizer step.</summary>
    public int? BatchSize { get; init; }

    /// <summary>The optimizer (<c>sgd</c>, <c>adamw</c>, <c>lars</c> in the file).</summary>
    public OptimizerKind? Optimizer { get; init; }

    /// <summary>Base learning rate (scaled by batch/256).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Weight decay (the start of the schedule when <see cref="WeightDecayEnd"/> is set).</summary>
    public double? WeightDecay { get; init; }

    /// <summary>Weight decay at the end of a cosine schedule.</summary>
    public double? WeightDecayEnd { get; init; }

    /// <summary>Warm-up epochs.</summary>
    public double? WarmupEpochs { get; init; }

    /// <summary>Final learning rate of the cosine schedule.</summary>
    public double? MinLr { get; init; }

    /// <summary>The backbone the method needs when it cannot use the data set's default (MAE: a ViT, <c>vit-cpu</c>);
    /// null keeps the data set's. The command line's <c>--backbone</c> overrides it.</summary>
    public string? Backbone { get; init; }

    /// <summary>Single keys of the backbone section (<see cref="Runs.BackboneSettings"/>: <c>frozen_patch_projection</c>,
    /// <c>drop_path_rate</c>, <c>pooling</c>, <c>layer_scale_init</c>, ...), applied after <see cref="Backbone"/>; the
    /// command line's <c>--set backbone.KEY=VALUE</c> overrides them.</summary>
    public Dictionary<string, string>? BackboneSettings { get; init; }

    /// <summary>AdamW's betas <c>[beta1, beta2]</c> (null: the trainer's, <see cref="Training.TrainerOptions.Betas"/>).</summary>
    public double[]? Betas { get; init; }

    /// <summary>Method settings (the factory's <see cref="Methods.MethodSettings"/> keys).</summary>
    public Dictionary<string, string>? Options { get; init; }

    /// <summary>The view recipe.</summary>
    public AugmentRecipe? Augment { get; init; }

    /// <summary><paramref name="config"/> with every value this preset sets replaced (options are merged key by key).</summary>
    public RunConfig ApplyTo(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = new Dictionary<string, string>(config.Options, StringComparer.Ordinal);
        foreach (var (k, v) in Options ?? []) options[k] = v;
        return config with
        {
            Backbone = Runs.BackboneSettings.Apply(Backbone is null ? config.Backbone : config.Backbone with { Name = Backbone }, BackboneSettings),
            Betas = Betas ?? config.Betas,
            BatchSize = BatchSize ?? config.BatchSize,
            Optimizer = Optimizer ?? config.Optimizer,
            LearningRate = LearningRate ?? config.LearningRate,
            WeightDecay = WeightDecay ?? config.WeightDecay,
            WeightDecayEnd = WeightDecayEnd ?? config.WeightDecayEnd,
            WarmupEpochs = WarmupEpochs ?? config.WarmupEpochs,
            MinLr = MinLr ?? config.MinLr,
            Options = options,
            Augment = config.Augment is null ? Augment : config.Augment.With(Augment),
        };
    }

    /// <summary>Parses a preset; unknown keys are an error that names the file.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <param name="source">Where the text came from, for messages.</param>
    /// <exception cref="InvalidDataException">The text is not a valid preset.</exception>
    public static MethodPreset Parse(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithEnumNamingConvention(LowerCaseNamingConvention.Instance).Build();
        try
        {
            return deserializer.Deserialize<MethodPreset?>(yaml) ?? new MethodPreset();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException(
                $"Preset {source} is not valid: {(e.InnerException ?? e).Message} (line {e.Start.Line}). " +
                "Keys: backbone, backbone_settings, batch_size, optimizer, betas, learning_rate, weight_decay, weight_decay_end, warmup_epochs, min_lr, options, augment.", e);
        }
    }

    /// <summary>Reads a preset file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid preset.</exception>
    public static MethodPreset Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Preset file '{path}' does not exist.", path);
        return Parse(File.ReadAllText(path), $"'{path}'");
    }
}
