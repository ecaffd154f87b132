using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Interop;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Runs;

/// <summary>
/// <c>sslsharp export</c>: a checkpoint's backbone (and, on request, its projector) as a safetensors file PyTorch loads,
/// with a JSON side file that says how to rebuild the network.
/// </summary>
/// <remarks>
/// <para>Names: the ResNets use torchvision's (<c>conv1.weight</c>, <c>bn1.running_mean</c>, <c>layer1.0.conv1.weight</c>,
/// <c>layer2.0.downsample.0.weight</c>, ...) without the classifier <c>fc</c>, so
/// <c>torchvision.models.resnet18()</c> with <c>fc = Identity()</c> loads the file with <c>strict=True</c> (width 1). The
/// low-res stem is the usual CIFAR change: <c>conv1 = Conv2d(C, 64, 3, stride 1, padding 1, bias=False)</c> and
/// <c>maxpool = Identity()</c> (or kept, with <c>stem_max_pool</c>). The ConvNet's names are SslSharp's own. The
/// projector's tensors, when asked for, carry the prefix <c>projector.</c>. The ViTs use timm's <c>VisionTransformer</c>
/// names (<c>cls_token</c>, <c>pos_embed</c>, <c>patch_embed.proj.weight</c>, <c>blocks.0.attn.qkv.weight</c>, ...,
/// <c>norm.weight</c>; no <c>head</c>); their <c>pos_embed</c> is MAE's fixed sin-cos table.</para>
/// <para>The side file <c>NAME.json</c> (and the safetensors metadata) record architecture, width, stem, input channels and
/// size, and the normalisation mean/std the features expect.</para>
/// </remarks>
public static class ModelExport
{
    /// <summary>Prefix of the projector's tensors in an export.</summary>
    public const string ProjectorPrefix = "projector.";

    /// <summary>Writes <paramref name="output"/> (safetensors) and its side JSON; returns both paths.</summary>
    /// <param name="checkpoint">A checkpoint (or run folder) written by <c>sslsharp pretrain</c>.</param>
    /// <param name="output">The <c>.safetensors</c> file to write (its folder is created).</param>
    /// <param name="includeProjector">Also write the projector (an error for a method without one).</param>
    /// <exception cref="ArgumentException">The method has no projector but one was asked for.</exception>
    public static (string Weights, string Info) Export(string checkpoint, string output, bool includeProjector = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        checkpoint = Checkpoint.Locate(checkpoint);
        var config = CheckpointEvaluator.ReadConfig(checkpoint);
        var entry = DatasetCatalog.Find(config.Dataset);
        using var method = PretrainRunner.CreateMethod(config, entry.Mean.Count, entry.ImageSize);
        Checkpoint.LoadWeights(checkpoint, method);
        var tensors = method.Encoder.state_dict().ToList();
        if (includeProjector)
        {
            if (method is not IHasProjector p)
                throw new ArgumentException($"The {config.Method} method has no projector to export; leave out --projector.");
            tensors.AddRange(p.Projector.state_dict().Select(kv => KeyValuePair.Create(ProjectorPrefix + kv.Key, kv.Value)));
        }
        var info = Describe(config, entry, method.Encoder.FeatureDim, includeProjector);
        info["run_config"] = config.ToJson();
        info["check_input"] = CheckInputFormula;
        info["check_features"] = CheckFeatures(method.Encoder, entry.Mean.Count, entry.ImageSize);
        SafeTensors.Save(output, tensors, info.Where(kv => !kv.Key.StartsWith("check_", StringComparison.Ordinal) && kv.Key != "run_config")
            .ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? ""));
        var side = Path.ChangeExtension(Path.GetFullPath(output), ".json");
        File.WriteAllText(side, info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return (Path.GetFullPath(output), side);
    }

    /// <summary>Whether <paramref name="path"/> names a safetensors file (evaluated like a checkpoint, see <see cref="ReadConfig"/>).</summary>
    public static bool IsExport(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The run configuration that rebuilds the network of an export: the one <c>sslsharp export</c> stored in the side
    /// JSON (<c>run_config</c>), or, for a side file written by hand (e.g. for torchvision weights), one made of its
    /// <c>architecture</c>, <c>width_multiplier</c>, <c>low_res_stem</c>, <c>stem_max_pool</c>, <c>dataset</c> and
    /// <c>method</c> keys (defaults: SimCLR on <c>fashion-mnist</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The export or its side JSON is missing (the message says what the JSON needs).</exception>
    public static RunConfig ReadConfig(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist.", path);
        var side = Path.ChangeExtension(Path.GetFullPath(path), ".json");
        if (!File.Exists(side))
            throw new FileNotFoundException(
                $"'{side}' does not exist: a safetensors file is evaluated with the JSON file beside it that describes the network, " +
                "e.g. {\"architecture\": \"resnet18\", \"width_multiplier\": \"1\", \"low_res_stem\": \"true\", \"dataset\": \"fashion-mnist\"} " +
                "(sslsharp export writes it).", side);
        var node = JsonNode.Parse(File.ReadAllText(side)) as JsonObject ?? throw new InvalidDataException($"'{side}' is not a JSON object.");
        if (node["run_config"]?.GetValue<string>() is { } stored) return RunConfig.FromJson(stored);
        string Get(string key, string fallback) => node[key]?.ToString() ?? fallback;
        var method = Get("method", PretrainDefaults.Method);
        var dataset = Get("dataset", "fashion-mnist");
        return PretrainDefaults.For(method, dataset) with
        {
            Backbone = new SslSharp.Backbones.BackboneOptions
            {
                Name = Get("architecture", "resnet18"),
                WidthMultiplier = double.Parse(Get("width_multiplier", "1"), CultureInfo.InvariantCulture),
                LowResStem = bool.Parse(Get("low_res_stem", "true")),
                StemMaxPool = node["stem_max_pool"] is null ? null : bool.Parse(Get("stem_max_pool", "false")),
            },
        };
    }

    /// <summary>Loads an export's backbone (and projector, when the file has one) into <paramref name="method"/>.</summary>
    public static void LoadWeights(string path, SslSharp.Methods.SslMethod method) => WithTensors(path, tensors =>
    {
        WeightImport.LoadInto(method.Encoder, BackboneTensors(tensors), path);
        if (method is IHasProjector p && tensors.Keys.Any(k => k.StartsWith(ProjectorPrefix, StringComparison.Ordinal)))
            WeightImport.LoadInto(p.Projector, tensors, path, ProjectorPrefix);
    });

    /// <summary>
    /// Loads the backbone tensors of a safetensors file (an export, or torchvision/timm weights under the same names) into
    /// <paramref name="backbone"/>; a projector the file also holds is left out (<c>pretrain --init-from</c>).
    /// </summary>
    public static void LoadBackbone(string path, SslSharp.Backbones.Backbone backbone) =>
        WithTensors(path, tensors => WeightImport.LoadInto(backbone, BackboneTensors(tensors), path));

    /// <summary>Reads <paramref name="path"/>, hands its tensors to <paramref name="use"/> and frees them.</summary>
    private static void WithTensors(string path, Action<Dictionary<string, Tensor>> use)
    {
        var (tensors, _) = SafeTensors.Load(path);
        try
        {
            use(tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The tensors without the <see cref="ProjectorPrefix"/> ones.</summary>
    private static Dictionary<string, Tensor> BackboneTensors(Dictionary<string, Tensor> tensors) =>
        tensors.Where(kv => !kv.Key.StartsWith(ProjectorPrefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>How the side file's check input is made, so a loader can rebuild it and compare features.</summary>
    public const string CheckInputFormula = "x = sin(0.01 * arange(2 * C * H * W, float32)).reshape(2, C, H, W); features = backbone.eval()(x)";

    /// <summary>The backbone's features (eval mode) on <see cref="CheckInputFormula"/>'s input, <c>[2, D]</c> as nested arrays.</summary>
    private static JsonArray CheckFeatures(SslSharp.Backbones.Backbone backbone, int channels, int size)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        bool training = backbone.training;
        backbone.eval();
        var x = torch.sin(0.01f * torch.arange(2L * channels * size * size, dtype: torch.float32)).reshape(2, channels, size, size);
        var features = backbone.call(x).contiguous().data<float>().ToArray();
        backbone.train(training);
        int d = features.Length / 2;
        return new JsonArray(Enumerable.Range(0, 2).Select(i =>
            (JsonNode)new JsonArray(features.Skip(i * d).Take(d).Select(f => (JsonNode)JsonValue.Create(f)!).ToArray())).ToArray());
    }

    private static JsonObject Describe(RunConfig config, DatasetEntry entry, int featureDim, bool projector)
    {
        var b = config.Backbone;
        bool resnet = b.Name.StartsWith("resnet", StringComparison.OrdinalIgnoreCase);
        bool vit = b.Name.StartsWith("vit", StringComparison.OrdinalIgnoreCase);
        var stem = !resnet ? "none" : b.LowResStem ? (b.StemMaxPool == true ? "low-res 3x3 stride 1 + max-pool" : "low-res 3x3 stride 1, no max-pool") : "imagenet 7x7 stride 2 + max-pool";
        return new JsonObject
        {
            ["format"] = "sslsharp-export-1",
            ["architecture"] = b.Name,
            ["width_multiplier"] = b.WidthMultiplier.ToString(CultureInfo.InvariantCulture),
            ["low_res_stem"] = b.LowResStem.ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            ["stem_max_pool"] = (b.StemMaxPool ?? !b.LowResStem).ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            ["stem"] = stem,
            ["names"] = resnet ? "torchvision (no fc)" : vit ? "timm VisionTransformer (no head; pos_embed fixed sin-cos)" : "sslsharp",
            ["in_channels"] = entry.Mean.Count.ToString(CultureInfo.InvariantCulture),
            ["image_size"] = entry.ImageSize.ToString(CultureInfo.InvariantCulture),
            ["feature_dim"] = featureDim.ToString(CultureInfo.InvariantCulture),
            ["mean"] = string.Join(",", entry.Mean.Select(m => m.ToString("R", CultureInfo.InvariantCulture))),
            ["std"] = string.Join(",", entry.Std.Select(m => m.ToString("R", CultureInfo.InvariantCulture))),
            ["input_range"] = "pixels in [0, 1], then (x - mean) / std per channel",
            ["method"] = config.Method,
            ["dataset"] = config.Dataset,
            ["projector"] = projector ? "true" : "false",
        };
    }
}
