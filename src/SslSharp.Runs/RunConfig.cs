using System.Text.Json.Nodes;
using SslSharp.Augment.Presets;
using SslSharp.Backbones;
using SslSharp.Training.Optim;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SslSharp.Runs;

/// <summary>
/// The resolved configuration of a run (preset plus command-line overrides), written as
/// <c>config.yaml</c> into the run folder so that a run can be repeated.
/// </summary>
/// <remarks>
/// Keys are snake_case (<c>batch_size</c>, <c>learning_rate</c>). Method-specific settings go into
/// <see cref="Options"/> as strings. Round-trips through <see cref="ToYaml"/> / <see cref="FromYaml"/>.
/// </remarks>
public sealed record RunConfig
{
    /// <summary>File name of the configuration in a run folder.</summary>
    public const string FileName = "config.yaml";

    /// <summary>Method name.</summary>
    public string Method { get; init; } = "";

    /// <summary>Data set name.</summary>
    public string Dataset { get; init; } = "";

    /// <summary>Folder with the data set's files, or null for the data set's default location.</summary>
    public string? DataDir { get; init; }

    /// <summary>The backbone: name, width and (ResNets) stem; the <c>backbone:</c> section of <c>config.yaml</c>.</summary>
    public BackboneOptions Backbone { get; init; } = new();

    /// <summary>Epochs to train.</summary>
    public int Epochs { get; init; }

    /// <summary>Images per optimizer step (global batch).</summary>
    public int BatchSize { get; init; }

    /// <summary>Optimizer name (e.g. <c>lars</c>, <c>sgd</c>, <c>adamw</c>).</summary>
    public OptimizerKind Optimizer { get; init; }

    /// <summary>Base learning rate (before batch-size scaling, if the recipe scales).</summary>
    public double LearningRate { get; init; }

    /// <summary>AdamW's betas <c>[beta1, beta2]</c> (MAE: 0.9, 0.95); null: the trainer's default
    /// (<see cref="Training.TrainerOptions.Betas"/>, PyTorch's 0.9, 0.999). Only AdamW reads them.</summary>
    public double[]? Betas { get; init; }

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Weight decay at the end of a cosine weight-decay schedule (DINO: 0.4), or null for a constant one.</summary>
    public double? WeightDecayEnd { get; init; }

    /// <summary>Warm-up epochs.</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>Learning rate at the end of the cosine schedule.</summary>
    public double MinLr { get; init; }

    /// <summary>Run the kNN evaluation every this many epochs (0: only at the end).</summary>
    public int KnnEvery { get; init; }

    /// <summary>
    /// Run the label-free diagnostics (RankMe, alpha-ReQ, embedding std, ...; <see cref="Evaluation.Diagnostics.DiagnosticsCallback"/>)
    /// every this many epochs; 0: only at the end (they always run at the end).
    /// </summary>
    public int DiagnosticsEvery { get; init; } = 5;

    /// <summary>
    /// Train an online linear probe on the detached backbone features alongside pretraining
    /// (<see cref="Evaluation.Probes.OnlineProbeCallback"/>; logs <c>online_probe_top1</c> per epoch). Only used when
    /// every training image has a label; cheap (one linear layer, one extra optimizer step per batch).
    /// </summary>
    public bool OnlineProbe { get; init; } = true;

    /// <summary>
    /// Gradient accumulation: batches of <see cref="BatchSize"/> summed per optimizer step, for an effective batch of
    /// <c>Accumulate x BatchSize</c> (the loss is still computed per batch; see docs/recipes.md#gradient-accumulation).
    /// </summary>
    public int Accumulate { get; init; } = 1;

    /// <summary>
    /// A safetensors file (e.g. from <c>sslsharp export</c>, or torchvision/timm weights under the same names) whose
    /// weights start the backbone instead of a random initialisation; null: random.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>
    /// Training images held out as a validation split for every evaluation of the run (kNN, online-probe-free
    /// evaluations, the raw-pixel baseline): a count (e.g. 5000) or, below 1, a fraction of the training set; drawn by a
    /// seeded permutation from <see cref="Seed"/>. 0 (the default): evaluate on the data set's test (held-out) split.
    /// Choose settings on the validation split and read the test set once, for the row you publish.
    /// </summary>
    public double ValSplit { get; init; }

    /// <summary>How many of <paramref name="trainCount"/> training images <see cref="ValSplit"/> holds out (0: none).</summary>
    /// <exception cref="ArgumentException">The split is negative, not finite, a non-integer count, or leaves no training image.</exception>
    public long ValidationCount(long trainCount)
    {
        if (!(ValSplit >= 0) || !double.IsFinite(ValSplit))
            throw new ArgumentException($"val_split must be 0, a fraction below 1 or a count of images, got {ValSplit}.");
        if (ValSplit >= 1 && ValSplit != Math.Floor(ValSplit))
            throw new ArgumentException($"val_split {ValSplit} is neither a fraction below 1 nor a whole number of images.");
        long n = ValSplit < 1 ? (long)Math.Round(ValSplit * trainCount) : (long)ValSplit;
        if (ValSplit > 0 && (n < 1 || n >= trainCount))
            throw new ArgumentException($"val_split {ValSplit} holds out {n} of the {trainCount} training images; it must leave 1..{trainCount - 1}.");
        return n;
    }

    /// <summary>Folder data sets: side of the stored images (shorter side resized, centre square kept); null: 64.</summary>
    public int? ImageSize { get; init; }

    /// <summary>Folder data sets: decode to grey (1 channel) instead of colour (3).</summary>
    public bool Grey { get; init; }

    /// <summary>Folder data sets: stop at the first unreadable image instead of skipping it with a warning.</summary>
    public bool Strict { get; init; }

    /// <summary>
    /// Folder data sets: 0 (the default) decodes every image into memory before training; N &gt; 0 streams the training
    /// images from disk instead, decoded and augmented by N worker threads (<see cref="StreamedFolder"/>; for folders too
    /// large for memory). The batches are the same either way (docs/data.md#streaming).
    /// </summary>
    public int Workers { get; init; }

    /// <summary>Random seed of the run.</summary>
    public long Seed { get; init; }

    /// <summary>Device (e.g. <c>cpu</c>, <c>cuda:0</c>).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Method settings by name (e.g. <c>temperature</c>), passed to the method's factory; sorted when written.</summary>
    public Dictionary<string, string> Options { get; init; } = [];

    /// <summary>The view recipe (crop, jitter, per-view blur/solarize, multi-crop); null: SimCLR's for the image size.</summary>
    public AugmentRecipe? Augment { get; init; }

    /// <summary>
    /// Where this configuration came from and what the command line changed (e.g. "--config runs/a/config.yaml;
    /// changed: epochs 10 -> 2"), written as comment lines above the YAML by <see cref="Write"/>; not a setting
    /// (neither serialised nor read back). Null: no comment.
    /// </summary>
    [YamlIgnore]
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Origin { get; init; }

    /// <summary>
    /// The keys whose values differ between this configuration and <paramref name="other"/>, as dotted YAML paths
    /// (<c>epochs</c>, <c>backbone.width_multiplier</c>, <c>options.temperature</c>) with both values, in key order.
    /// </summary>
    public IReadOnlyList<(string Key, string? Before, string? After)> Differences(RunConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var mine = Flatten(other.ToYaml());
        var theirs = Flatten(ToYaml());
        return mine.Keys.Union(theirs.Keys).OrderBy(k => k, StringComparer.Ordinal)
            .Select(k => (k, mine.GetValueOrDefault(k), theirs.GetValueOrDefault(k)))
            .Where(d => d.Item2 != d.Item3).ToList();
    }

    private static Dictionary<string, string?> Flatten(string yaml)
    {
        var tree = new DeserializerBuilder().Build().Deserialize<object?>(yaml);
        var flat = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Walk(string prefix, object? node)
        {
            if (node is IDictionary<object, object?> map)
                foreach (var (k, v) in map) Walk(prefix.Length == 0 ? $"{k}" : $"{prefix}.{k}", v);
            else if (node is IList<object?> list)
                flat[prefix] = string.Join(", ", list.Select(x => x?.ToString()));
            else
                flat[prefix] = node?.ToString();
        }
        Walk("", tree);
        return flat;
    }

    /// <summary>Serialises to YAML.</summary>
    public string ToYaml()
    {
        var serializer = new SerializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithEnumNamingConvention(LowerCaseNamingConvention.Instance).Build();
        return serializer.Serialize(this with { Options = new Dictionary<string, string>(Options.OrderBy(kv => kv.Key, StringComparer.Ordinal)) });
    }

    /// <summary>Parses YAML written by <see cref="ToYaml"/>; unknown keys are an error.</summary>
    /// <exception cref="InvalidDataException">When the text is not a valid run configuration.</exception>
    public static RunConfig FromYaml(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithEnumNamingConvention(LowerCaseNamingConvention.Instance).Build();
        try
        {
            return deserializer.Deserialize<RunConfig?>(yaml) ?? new RunConfig();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            var what = (e.InnerException ?? e).Message;
            var moved = MovedKeys.FirstOrDefault(k => what.Contains($"'{k}'", StringComparison.Ordinal));
            if (moved is not null)
                throw new InvalidDataException(
                    $"Not a valid run configuration: the key '{moved}' moved into the backbone section; write it as 'backbone: {{ {moved}: ... }}' " +
                    $"(line {e.Start.Line}).", e);
            if (e.Start.Line > 0 && yaml.Split('\n').ElementAtOrDefault((int)e.Start.Line - 1)?.TrimStart().StartsWith("backbone:", StringComparison.Ordinal) == true)
                throw new InvalidDataException(
                    $"Not a valid run configuration: 'backbone' is a section now, e.g. 'backbone: {{ name: resnet18, width_multiplier: 0.5, low_res_stem: true }}' " +
                    $"(line {e.Start.Line}).", e);
            throw new InvalidDataException($"Not a valid run configuration: {what} (line {e.Start.Line}).", e);
        }
    }

    /// <summary>The backbone keys that were top-level settings before they moved into <see cref="Backbone"/>.</summary>
    private static readonly string[] MovedKeys = { "width_multiplier", "low_res_stem", "stem_max_pool" };

    /// <summary>
    /// Reads the JSON a checkpoint stores (<see cref="ToJson"/>), also in the form written before the
    /// backbone settings became a section (<c>"Backbone": "resnet18"</c> with top-level <c>WidthMultiplier</c>,
    /// <c>LowResStem</c>, <c>StemMaxPool</c>), so older checkpoints still evaluate and resume.
    /// </summary>
    /// <exception cref="InvalidDataException">The text is not a run configuration.</exception>
    public static RunConfig FromJson(string json)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(json);
        var node = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("The stored run configuration is not a JSON object.");
        if (node["Backbone"] is JsonValue name && name.TryGetValue(out string? backbone))
        {
            var section = new JsonObject { ["Name"] = backbone };
            foreach (var key in new[] { "WidthMultiplier", "LowResStem", "StemMaxPool" })
                if (node.Remove(key, out var value)) section[key] = value;
            node["Backbone"] = section;
        }
        return System.Text.Json.JsonSerializer.Deserialize<RunConfig>(node, Json) ?? throw new InvalidDataException("The stored run configuration is empty.");
    }

    /// <summary>The JSON a checkpoint stores (<see cref="FromJson"/> reads it back); enums by name.</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, Json);

    private static readonly System.Text.Json.JsonSerializerOptions Json = new()
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>Writes <see cref="FileName"/> into <paramref name="runDirectory"/> (created if needed) and returns its path.</summary>
    public string Write(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, FileName);
        var header = Origin is null ? "" : string.Concat(Origin.Split('\n').Select(line => $"# {line}\n"));
        File.WriteAllText(path, header + ToYaml());
        return path;
    }

    /// <summary>Reads a configuration file written by <see cref="Write"/>.</summary>
    public static RunConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"configuration file '{path}' does not exist.", path);
        return FromYaml(File.ReadAllText(path));
    }
}
