using System.Globalization;
using SslSharp.Core;

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
        AtomicFile.WriteText(path, w =>
        {
            w.WriteLine(Header);
            for (int i = 0; i < singularValues.Count; i++)
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1},{singularValues[i]:R}"));
        });
        return path;
    }

    /// <summary>
    /// Reads the singular values of a spectrum file in file order: the <c>singular_value</c> column,
    /// found by name (so files written by <see cref="Write"/> and other tools with that column both read).
    /// </summary>
    /// <exception cref="InvalidDataException">Empty file, no <c>singular_value</c> column, or a value that is not a number.</exception>
    public static double[] Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var lines = File.ReadAllLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        if (lines.Length == 0) throw new InvalidDataException($"'{path}' is empty; expected a header '{Header}' and one row per value.");
        var header = lines[0].Split(',').Select(c => c.Trim().Trim('"').ToLowerInvariant()).ToArray();
        int col = Array.IndexOf(header, "singular_value");
        if (col < 0) throw new InvalidDataException($"'{path}' has no 'singular_value' column (header '{lines[0]}'); expected '{Header}'.");
        var values = new double[lines.Length - 1];
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (col >= cells.Length || !double.TryParse(cells[col].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1]))
                throw new InvalidDataException($"'{path}' line {i + 1}: '{lines[i]}' has no number in column 'singular_value'.");
        }
        return values;
    }
}
