namespace SslSharp.Backbones;

/// <summary>Creates backbones by name (for the CLI and config files).</summary>
/// <remarks>Names: <c>resnet18</c>, <c>resnet34</c>, <c>resnet50</c> (<see cref="ResNet"/>), <c>convnet</c>
/// (<see cref="ConvNet"/>). Case-insensitive; <c>-</c> and <c>_</c> are ignored (<c>ResNet-18</c> works).</remarks>
public static class BackboneFactory
{
    private static readonly string[] KnownNames = { "resnet18", "resnet34", "resnet50", "convnet" };

    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names => KnownNames;

    /// <summary>Creates the backbone <paramref name="options"/> describes.</summary>
    /// <param name="options">Name and shape (<see cref="BackboneOptions"/>).</param>
    /// <param name="inChannels">Image channels (1 for Fashion-MNIST, 3 for RGB).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known names).</exception>
    public static Backbone Create(BackboneOptions options, int inChannels = 3, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Build(options.Name, inChannels, options.LowResStem, options.WidthMultiplier, seed, options.StemMaxPool);
    }

    private static Backbone Build(string name, int inChannels, bool lowResStem, double widthMultiplier, long seed, bool? stemMaxPool)
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
