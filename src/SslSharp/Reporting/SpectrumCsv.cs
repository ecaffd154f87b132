using System.Globalization;

namespace SslSharp.Reporting;

/// <summary>
/// Reads a singular-value spectrum file of a run folder: header <c>index,singular_value</c>, one row
/// per value (<c>spectrum_backbone.csv</c>, <c>spectrum_embedding.csv</c>).
/// </summary>
public static class SpectrumCsv
{
    /// <summary>File name of the backbone-feature spectrum in a run folder.</summary>
    public const string BackboneFile = "spectrum_backbone.csv";

    /// <summary>File name of the embedding (projector output) spectrum in a run folder.</summary>
    public const string EmbeddingFile = "spectrum_embedding.csv";

    /// <summary>The singular values in file order.</summary>
    /// <exception cref="InvalidDataException">No <c>singular_value</c> column, or a value that is not a number.</exception>
    public static double[] Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var lines = File.ReadAllLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        if (lines.Length == 0) throw new InvalidDataException($"'{path}' is empty; expected a header 'index,singular_value' and one row per value.");
        var header = lines[0].Split(',').Select(c => c.Trim().Trim('"').ToLowerInvariant()).ToArray();
        int col = Array.IndexOf(header, "singular_value");
        if (col < 0) throw new InvalidDataException($"'{path}' has no 'singular_value' column (header '{lines[0]}').");
        var values = new List<double>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (col >= cells.Length || !double.TryParse(cells[col].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw new InvalidDataException($"'{path}' line {i + 1}: '{lines[i]}' has no number in column 'singular_value'.");
            values.Add(v);
        }
        return values.ToArray();
    }
}
