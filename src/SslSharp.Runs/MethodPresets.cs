namespace SslSharp.Runs;

/// <summary>
/// The presets built into SslSharp: <c>Presets/<c>Runs/Presets/&lt;method&gt;.small.yaml</c>lt;method<c>Runs/Presets/&lt;method&gt;.small.yaml</c>gt;.small.yaml</c> (SslSharp.Runs) for 28-32 px images
/// (Fashion-MNIST, CIFAR) and <c>&lt;method&gt;.large.yaml</c> for ImageNet-sized images, embedded in
/// the library.
/// </summary>
public static class MethodPresets
{
    private const string Prefix = "SslSharp.Presets.";

    /// <summary>The size class of images with side <paramref name="imageSize"/>: <c>small</c> up to 32 px, else <c>large</c>.</summary>
    public static string SizeClass(int imageSize) => imageSize <= 32 ? "small" : "large";

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
