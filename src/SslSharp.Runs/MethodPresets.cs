namespace SslSharp.Runs;

/// <summary>
/// The presets built into SslSharp: <c>Presets/&lt;method&gt;.small.yaml</c> (SslSharp.Runs) for 28-32 px images
/// (Fashion-MNIST, CIFAR) and <c>&lt;method&gt;.large.yaml</c> for ImageNet-sized images, embedded in
/// the library; a method with a separate ViT recipe also has <c>&lt;method&gt;.small-vit.yaml</c> and
/// <c>&lt;method&gt;.large-vit.yaml</c>.
/// </summary>
public static class MethodPresets
{
    private const string Prefix = "SslSharp.Presets.";

    /// <summary>The size class of images with side <paramref name="imageSize"/>: <c>small</c> up to 32 px, else <c>large</c>.</summary>
    public static string SizeClass(int imageSize) => imageSize <= 32 ? "small" : "large";

    /// <summary>The suffix of a size class whose preset is a method's ViT recipe (<c>dino.small-vit.yaml</c>), used
    /// instead of the plain one when the run's backbone is a ViT (<see cref="PretrainDefaults.For"/>).</summary>
    public const string VitSuffix = "-vit";

    /// <summary>Whether <paramref name="backbone"/> names a Vision Transformer (<c>vit-tiny</c>, <c>vit-cpu</c>, ...).</summary>
    public static bool IsVit(string backbone) =>
        backbone is not null && backbone.Trim().StartsWith("vit", StringComparison.OrdinalIgnoreCase);

    /// <summary>The (method, size class) pairs that have a built-in preset, sorted.</summary>
    public static IReadOnlyList<(string Method, string Size)> Available =>
        typeof(MethodPresets).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^".yaml".Length].Split('.'))
            .Where(p => p.Length == 2)
            .Select(p => (p[0], p[1]))
            .OrderBy(p => p.Item1, StringComparer.Ordinal).ThenBy(p => p.Item2, StringComparer.Ordinal)
            .ToArray();

    /// <summary>The built-in preset of <paramref name="method"/> for <paramref name="sizeClass"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The embedded file is invalid (a build defect).</exception>
    public static MethodPreset? Find(string method, string sizeClass)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(sizeClass);
        var name = $"{Prefix}{method.Trim().ToLowerInvariant()}.{sizeClass}.yaml";
        using var stream = typeof(MethodPresets).Assembly.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return MethodPreset.Parse(reader.ReadToEnd(), $"{method}.{sizeClass}.yaml (built in)");
    }

    /// <summary>The built-in preset text, for display (null when there is none).</summary>
    public static string? Text(string method, string sizeClass)
    {
        using var stream = typeof(MethodPresets).Assembly.GetManifestResourceStream($"{Prefix}{method.Trim().ToLowerInvariant()}.{sizeClass}.yaml");
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
