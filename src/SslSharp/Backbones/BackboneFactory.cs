namespace SslSharp.Backbones;

/// <summary>Creates backbones by name (for the CLI and config files).</summary>
/// <remarks>Names: <c>resnet18</c>, <c>resnet34</c>, <c>resnet50</c> (<see cref="ResNet"/>), <c>convnet</c>
/// (<see cref="ConvNet"/>). Case-insensitive; <c>-</c> and <c>_</c> are ignored (<c>ResNet-18</c> works).</remarks>
public static class BackboneFactory
{
    private static readonly string[] KnownNames = { "resnet18", "resnet34", "resnet50", "convnet" };

    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names => KnownNames;

    /// <summary>Creates the backbone called <paramref name="name"/>.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="inChannels">Image channels (1 for Fashion-MNIST, 3 for RGB).</param>
    /// <param name="lowResStem">ResNets: use the 3x3 stride-1 stem without max-pool (recommended for
    /// 28x28 and 32x32 images). ConvNet has no stem to choose and ignores it.</param>
    /// <param name="widthMultiplier">Scale of every layer width.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="stemMaxPool">ResNets: max-pool after the stem (null: only with the ImageNet stem).</param>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known names).</exception>
    public static Backbone Create(string name, int inChannels = 3, bool lowResStem = false, double widthMultiplier = 1.0, long seed = 0, bool? stemMaxPool = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Normalize(name) switch
        {
            "resnet18" => ResNet.ResNet18(inChannels, lowResStem, widthMultiplier, seed: seed, stemMaxPool: stemMaxPool),
            "resnet34" => ResNet.ResNet34(inChannels, lowResStem, widthMultiplier, seed: seed, stemMaxPool: stemMaxPool),
            "resnet50" => ResNet.ResNet50(inChannels, lowResStem, widthMultiplier, seed: seed, stemMaxPool: stemMaxPool),
            "convnet" => new ConvNet(inChannels, widthMultiplier: widthMultiplier, seed: seed),
            _ => throw new ArgumentException(
                $"Unknown backbone '{name}'. Known backbones: {string.Join(", ", KnownNames)}.", nameof(name)),
        };
    }

    /// <summary>Whether <paramref name="name"/> names a known backbone (same matching as <see cref="Create"/>).</summary>
    public static bool IsKnown(string name) => name is not null && KnownNames.Contains(Normalize(name));

    private static string Normalize(string name) =>
        name.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
