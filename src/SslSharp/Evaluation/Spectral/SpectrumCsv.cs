using System.Globalization;

namespace SslSharp.Evaluation.Spectral;

/// <summary>
/// Writes and reads a singular-value spectrum as CSV with the header <c>index,singular_value</c>
/// (index 1-based, values largest first, round-trip format): the files
/// <c>spectrum_backbone.csv</c> / <c>spectrum_embedding.csv</c> of a run folder.
/// </summary>
public static class SpectrumCsv
{
    /// <summary>The header line.</summary>
    public const string Header = "index,singular_value";

    /// <summary>File name of the backbone features' spectrum in a run folder.</summary>
    public const string BackboneFile = "spectrum_backbone.csv";

    /// <summary>File name of the method embeddings' spectrum in a run folder.</summary>
    public const string EmbeddingFile = "spectrum_embedding.csv";

    /// <summary>Writes <paramref name="singularValues"/> to <paramref name="path"/> (replaced atomically) and returns the path.</summary>
    public static string Write(string path, IReadOnlyList<double> singularValues)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(singularValues);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        using (var w = new StreamWriter(tmp, false, new System.Text.UTF8Encoding(false)) { NewLine = "\n" })
        {
            w.WriteLine(Header);
            for (int i = 0; i < singularValues.Count; i++)
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1},{singularValues[i]:R}"));
        }
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    /// <summary>Reads a file written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The header or a row is not as written by <see cref="Write"/>.</exception>
    public static double[] Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != Header)
            throw new InvalidDataException($"'{path}' is not a spectrum file: the first line must be '{Header}'.");
        var values = new double[lines.Length - 1];
        for (int i = 1; i < lines.Length; i++)
        {
            var parts = lines[i].Split(',');
            if (parts.Length != 2 || parts[0] != i.ToString(CultureInfo.InvariantCulture)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1]))
                throw new InvalidDataException($"'{path}' line {i + 1} is not '<index>,<singular_value>': '{lines[i]}'.");
        }
        return values;
    }
}
