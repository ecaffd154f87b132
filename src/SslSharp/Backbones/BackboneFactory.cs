namespace SslSharp.Backbones;

/// <summary>Creates backbones by name (for the CLI and config files).</summary>
/// <remarks>
/// <para>Names: <c>resnet18</c>, <c>resnet34</c>, <c>resnet50</c> (<see cref="ResNet"/>), <c>convnet</c>
/// (<see cref="ConvNet"/>), and the Vision Transformers (<see cref="VisionTransformer"/>) <c>vit-tiny</c>
/// (192 wide, 12 blocks, 3 heads), <c>vit-small</c> (384, 12, 6), <c>vit-base</c> (768, 12, 12) and <c>vit-cpu</c>, a
/// small one sized for 28-32 px images on a CPU (docs/backbones.md#vision-transformer). Case-insensitive; <c>-</c> and
/// <c>_</c> are ignored (<c>ResNet-18</c>, <c>vit_small</c> work).</para>
/// <para>A ViT needs the image size (from the data set); its patch is <see cref="BackboneOptions.PatchSize"/>, or when
/// that is null 4 px for images up to 64 px and 16 px above (<c>vit-cpu</c>: <see cref="VitCpu"/>'s).</para>
/// </remarks>
public static class BackboneFactory
{
    private static readonly string[] KnownNames = { "resnet18", "resnet34", "resnet50", "convnet", "vit-tiny", "vit-small", "vit-base", "vit-cpu" };

    /// <summary>The shape of <c>vit-cpu</c> (image size and channels are set by <see cref="Create"/>).</summary>
    public static VisionTransformerOptions VitCpu { get; } = new() { PatchSize = 4, Dim = 96, Depth = 6, Heads = 3, MlpRatio = 2 };

    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names => KnownNames;

    /// <summary>Creates the backbone <paramref name="options"/> describes.</summary>
    /// <param name="options">Name and shape (<see cref="BackboneOptions"/>).</param>
    /// <param name="inChannels">Image channels (1 for Fashion-MNIST, 3 for RGB).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="imageSize">Side of the (square) training images in pixels; ViTs need it, the others ignore it.</param>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known names), or a ViT gets no
    /// image size or a patch that does not divide it.</exception>
    public static Backbone Create(BackboneOptions options, int inChannels = 3, long seed = 0, int? imageSize = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Name);
        return Normalize(options.Name) switch
        {
            "resnet18" => ResNet.ResNet18(inChannels, options.LowResStem, options.WidthMultiplier, seed: seed, stemMaxPool: options.StemMaxPool),
            "resnet34" => ResNet.ResNet34(inChannels, options.LowResStem, options.WidthMultiplier, seed: seed, stemMaxPool: options.StemMaxPool),
            "resnet50" => ResNet.ResNet50(inChannels, options.LowResStem, options.WidthMultiplier, seed: seed, stemMaxPool: options.StemMaxPool),
            "convnet" => new ConvNet(inChannels, widthMultiplier: options.WidthMultiplier, seed: seed),
            "vittiny" => Vit(new VisionTransformerOptions { Dim = 192, Depth = 12, Heads = 3 }, options, inChannels, seed, imageSize, standard: true),
            "vitsmall" => Vit(new VisionTransformerOptions { Dim = 384, Depth = 12, Heads = 6 }, options, inChannels, seed, imageSize, standard: true),
            "vitbase" => Vit(new VisionTransformerOptions { Dim = 768, Depth = 12, Heads = 12 }, options, inChannels, seed, imageSize, standard: true),
            "vitcpu" => Vit(VitCpu, options, inChannels, seed, imageSize, standard: false),
            _ => throw new ArgumentException(
                $"Unknown backbone '{options.Name}'. Known backbones: {string.Join(", ", KnownNames)}.", nameof(options)),
        };
    }

    private static VisionTransformer Vit(VisionTransformerOptions shape, BackboneOptions options, int inChannels, long seed, int? imageSize, bool standard)
    {
        if (imageSize is not { } size || size < 1)
            throw new ArgumentException(
                $"The backbone '{options.Name}' is a Vision Transformer and needs the image size; pass the data set's image side as imageSize.",
                nameof(imageSize));
        int patch = options.PatchSize ?? (standard ? (size <= 64 ? 4 : 16) : shape.PatchSize);
        return new VisionTransformer(shape with
        {
            ImageSize = size, PatchSize = patch, InChannels = inChannels, DropPathRate = options.DropPathRate,
            Pooling = options.Pooling, LayerScaleInit = options.LayerScaleInit, FrozenPatchProjection = options.FrozenPatchProjection,
        }, seed);
    }

    /// <summary>Whether <paramref name="name"/> names a known backbone (same matching as <see cref="Create"/>).</summary>
    public static bool IsKnown(string name) => name is not null && KnownNames.Select(Normalize).Contains(Normalize(name));

    private static string Normalize(string name) =>
        name.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
