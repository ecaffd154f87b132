namespace SslSharp.Backbones;

/// <summary>
/// The shape of a <see cref="VisionTransformer"/>: image and patch size, width, depth, heads and the training
/// stabilisers (stochastic depth, LayerScale, a frozen patch projection). Defaults: a ViT-Tiny on 28 px images
/// with 4 px patches.
/// </summary>
/// <remarks>ViT-Ti/S/B are 192/384/768 wide with 3/6/12 heads and 12 blocks (Dosovitskiy et al. 2021; Touvron et
/// al. 2021, DeiT). <see cref="BackboneFactory"/> names them <c>vit-tiny</c>, <c>vit-small</c>, <c>vit-base</c>.</remarks>
public sealed record VisionTransformerOptions
{
    /// <summary>Side of the square input images in pixels; a multiple of <see cref="PatchSize"/>.</summary>
    public int ImageSize { get; init; } = 28;

    /// <summary>Side of the square patches in pixels (4 for 28-32 px images, 16 for 224 px).</summary>
    public int PatchSize { get; init; } = 4;

    /// <summary>Image channels <c>C</c>.</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Token width <c>D</c>; a multiple of <see cref="Heads"/>.</summary>
    public int Dim { get; init; } = 192;

    /// <summary>Number of transformer blocks.</summary>
    public int Depth { get; init; } = 12;

    /// <summary>Attention heads per block.</summary>
    public int Heads { get; init; } = 3;

    /// <summary>Hidden width of each block's MLP as a multiple of <see cref="Dim"/>.</summary>
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>Whether the query/key/value projection has a bias (timm's and MAE's default: yes).</summary>
    public bool QkvBias { get; init; } = true;

    /// <summary>What <c>forward</c> returns: the CLS token or the mean of the patch tokens, after the final norm.</summary>
    public VitPooling Pooling { get; init; } = VitPooling.Cls;

    /// <summary>Stochastic depth: the drop rate of the last block; block <c>i</c> drops with
    /// <c>linspace(0, rate, depth)[i]</c>. 0 turns it off (pretraining); 0.1 for fine-tuning (MAE ViT-B).</summary>
    public double DropPathRate { get; init; }

    /// <summary>LayerScale (Touvron et al. 2021, CaiT): per-channel scales on each residual branch initialised to
    /// this value (e.g. 0.1 or 1e-5); null: no LayerScale.</summary>
    public double? LayerScaleInit { get; init; }

    /// <summary>Keep the patch projection at its random initialisation (MoCo v3's stabiliser, Chen et al. 2021,
    /// section 4.2): its weight and bias take no gradient.</summary>
    public bool FrozenPatchProjection { get; init; }

    /// <summary>Patches per side, <c>ImageSize / PatchSize</c>.</summary>
    public int GridSide => ImageSize / PatchSize;

    /// <summary>Throws a clear error when a size does not fit.</summary>
    /// <exception cref="ArgumentException">A size is out of range or does not divide.</exception>
    public void Validate()
    {
        if (PatchSize < 1) throw new ArgumentException($"The ViT patch size must be at least 1 pixel, got {PatchSize}.");
        if (ImageSize < PatchSize || ImageSize % PatchSize != 0)
            throw new ArgumentException(
                $"A ViT with {PatchSize} px patches needs an image size that is a multiple of {PatchSize}, but the images are {ImageSize} px. " +
                "Choose a patch size that divides the image size (28 px: 4 or 7; 32 px: 4 or 8; 224 px: 16).");
        if (InChannels < 1) throw new ArgumentException($"A ViT needs at least one input channel, got {InChannels}.");
        if (Dim < 1 || Heads < 1 || Dim % Heads != 0)
            throw new ArgumentException($"The ViT width ({Dim}) must be a positive multiple of the number of heads ({Heads}).");
        if (Depth < 1) throw new ArgumentException($"A ViT needs at least one block, got depth {Depth}.");
        if (!(MlpRatio > 0) || double.IsInfinity(MlpRatio)) throw new ArgumentException($"The ViT MLP ratio must be a finite number > 0, got {MlpRatio}.");
        if (!(DropPathRate >= 0 && DropPathRate < 1)) throw new ArgumentException($"The ViT drop-path rate must be in [0, 1), got {DropPathRate}.");
        if (LayerScaleInit is { } ls && !(ls > 0 && double.IsFinite(ls)))
            throw new ArgumentException($"The LayerScale init must be a finite number > 0 (or null for none), got {ls}.");
    }
}
