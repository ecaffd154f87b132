namespace SslSharp.Backbones;

/// <summary>
/// What <see cref="BackboneFactory"/> builds: the architecture by name and its shape options, each default written
/// only here. In a run's <c>config.yaml</c> this is the <c>backbone:</c> section.
/// </summary>
public sealed record BackboneOptions
{
    /// <summary>One of <see cref="BackboneFactory.Names"/> (<c>convnet</c>, <c>resnet18</c>, <c>resnet34</c>, <c>resnet50</c>,
    /// <c>vit-tiny</c>, <c>vit-small</c>, <c>vit-base</c>, <c>vit-cpu</c>).</summary>
    public string Name { get; init; } = "convnet";

    /// <summary>Scale of every layer width (ResNet-18 at 0.5 has half the channels). ViTs ignore it (their width is in the name).</summary>
    public double WidthMultiplier { get; init; } = 1.0;

    /// <summary>
    /// ResNets: the low-resolution (CIFAR) stem, a 3x3 stride-1 convolution without max-pool, for 28-32 px images;
    /// false: the ImageNet stem (7x7 stride 2 and max-pool). The ConvNet has no stem to choose and ignores it.
    /// </summary>
    public bool LowResStem { get; init; }

    /// <summary>ResNets: the 3x3 stride-2 max-pool after the stem (null: only with the ImageNet stem).</summary>
    public bool? StemMaxPool { get; init; }

    /// <summary>ViTs: the patch side in pixels; it must divide the image size. Null: the named ViT's own
    /// (<see cref="BackboneFactory"/>: 4 px up to 64 px images and 16 px above for <c>vit-tiny/small/base</c>).</summary>
    public int? PatchSize { get; init; }

    /// <summary>ViTs: the stochastic-depth rate of the last block (0: off, as in pretraining; 0.1 for fine-tuning).</summary>
    public double DropPathRate { get; init; }

    /// <summary>ViTs: the feature <c>forward</c> returns, the CLS token or the mean of the patch tokens
    /// (<see cref="VisionTransformerOptions.Pooling"/>).</summary>
    public VitPooling Pooling { get; init; } = VitPooling.Cls;

    /// <summary>ViTs: LayerScale's initial per-channel scale (e.g. 0.1 or 1e-5); null: no LayerScale
    /// (<see cref="VisionTransformerOptions.LayerScaleInit"/>).</summary>
    public double? LayerScaleInit { get; init; }

    /// <summary>ViTs: keep the patch projection at its random initialisation, MoCo v3's stabiliser
    /// (<see cref="VisionTransformerOptions.FrozenPatchProjection"/>).</summary>
    public bool FrozenPatchProjection { get; init; }
}
