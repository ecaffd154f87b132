using SslSharp.Backbones;
using SslSharp.Data;

namespace SslSharp.Runs;

/// <summary>
/// The default configuration of a pretraining run for a (method, data set) pair: what
/// <c>sslsharp pretrain</c> uses for every option the user does not give.
/// </summary>
/// <remarks>
/// The embedded data set is the "does it work" demo: a small ConvNet, few epochs, a run of a few
/// minutes on two CPU cores. The full data sets use a ResNet-18 with the low-resolution stem
/// (3x3 conv, stride 1, no max-pool: the CIFAR stem of SimCLR and solo-learn), as a 28x28 image
/// shrinks to 1x1 before the last stage with the ImageNet stem.
/// SimCLR on small images: a 2-layer projector to 128 (google-research/simclr CIFAR-10 settings) and
/// temperature 0.2 (solo-learn's CIFAR value). The short CPU runs use SGD with momentum 0.9, base lr
/// 0.6 x N/256, batch 128 and a warmup + cosine schedule (measurements:
/// docs/experiments.md#default-simclr-run-pretraindefaults).
/// <para>Method-specific values (temperature, heads, optimizer, augmentations) come from the
/// method's preset (<see cref="MethodPresets"/>); the values here are the fallback for methods
/// without one.</para>
/// </remarks>
public static class PretrainDefaults
{
    /// <summary>The method of a run that names none.</summary>
    public const string Method = "simclr";

    /// <summary>The data set of a run that names none: the built-in Fashion-MNIST split.</summary>
    public const string Dataset = Data.FashionMnist.EmbeddedName;

    /// <summary>
    /// The default configuration for <paramref name="method"/> on <paramref name="dataset"/>: the data
    /// set's budget (backbone, width, epochs) and generic recipe, overridden by the method's preset
    /// (<paramref name="preset"/>, or the built-in one for the data set's image size when null).
    /// </summary>
    /// <param name="method">The method.</param>
    /// <param name="dataset">The data set.</param>
    /// <param name="preset">The method preset to apply; null: the built-in one of the size class.</param>
    /// <param name="backbone">The backbone the run will use, when the command line names one: a ViT (<c>vit-*</c>) picks
    /// the method's ViT recipe <c>&lt;method&gt;.&lt;size&gt;-vit.yaml</c> when it has one (DINO, MoCo v3), so
    /// <c>--method dino --backbone vit-cpu</c> trains with AdamW, warm-up and DINO's ViT settings.</param>
    /// <param name="imageSize">The image side the run trains at (<c>--image-size</c> of a folder data set), which picks
    /// the preset's size class; null: the data set's own size (a folder's default, 64 px, without one).</param>
    /// <exception cref="ArgumentException">The data set is unknown (the message lists the known ones).</exception>
    public static RunConfig For(string method, string dataset, MethodPreset? preset = null, string? backbone = null, int? imageSize = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        var entry = DatasetCatalog.Find(dataset);
        bool embedded = string.Equals(entry.Name, FashionMnist.EmbeddedName, StringComparison.OrdinalIgnoreCase);
        var config = new RunConfig
        {
            Method = method.Trim().ToLowerInvariant(),
            Dataset = dataset.Trim().ToLowerInvariant(),
            Backbone = new BackboneOptions { Name = embedded ? "convnet" : "resnet18", LowResStem = true, WidthMultiplier = embedded ? 0.5 : 1.0 },
            Epochs = embedded ? 20 : 10,
            BatchSize = 128,
            Optimizer = Training.Optim.OptimizerKind.Sgd,
            LearningRate = 0.6,
            WeightDecay = 1e-4,
            WarmupEpochs = 1,
        };
        var size = MethodPresets.SizeClass(imageSize ?? entry.ImageSize);
        if (preset is null && backbone is not null && MethodPresets.IsVit(backbone))
            preset = MethodPresets.Find(config.Method, size + MethodPresets.VitSuffix);
        preset ??= MethodPresets.Find(config.Method, size);
        return preset is null ? config : preset.ApplyTo(config);
    }
}
