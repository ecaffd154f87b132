using SkiaSharp;
using SslSharp.Evaluation.Decoder;

namespace SslSharp.Reporting;

/// <summary>
/// Draws <see cref="DecoderSamples"/> as a PNG: blocks of two rows, originals on top and their
/// reconstructions underneath (three rows when the samples carry <see cref="DecoderSamples.MaskedInputs"/>:
/// original, masked input, reconstruction), up to <see cref="Columns"/> images per row, each image scaled up
/// by an integer factor (nearest neighbour) so that small images stay visible.
/// </summary>
/// <remarks>
/// Written with SkiaSharp (the renderer ScottPlot 5 draws with). Layout in pixels, with cell
/// <c>s W x s H</c>, padding <c>p</c>, gap <c>g</c> between blocks and <c>r</c> rows per block (2 or 3): width
/// <c>cols (s W) + (cols + 1) p</c>, height <c>2 p + blocks (r s H + (r - 1) p) + (blocks - 1) g</c>.
/// </remarks>
public static class DecoderGrid
{
    /// <summary>Default file name of the grid in a run folder.</summary>
    public const string FileName = DecoderResult.GridFileName;

    /// <summary>Images per row.</summary>
    public const int Columns = 8;

    /// <summary>Pixels between cells and around the grid.</summary>
    public const int Padding = 2;

    /// <summary>Pixels between two blocks (original row + reconstruction row).</summary>
    public const int BlockGap = 10;

    /// <summary>The integer up-scaling for images of side <paramref name="side"/>: cells of at least 64 pixels.</summary>
    public static int ScaleFor(int side) => Math.Max(1, (int)Math.Ceiling(64.0 / Math.Max(1, side)));

    /// <summary>Writes the grid PNG and returns its (width, height) in pixels.</summary>
    /// <param name="samples">Images and reconstructions (values in [0, 1]).</param>
    /// <param name="pngPath">Where to write the PNG (folders are created).</param>
    /// <param name="scale">Up-scaling factor (null: <see cref="ScaleFor"/> of the larger image side).</param>
    /// <exception cref="ArgumentException">No samples, a channel count other than 1 or 3, or arrays of the wrong length.</exception>
    public static (int Width, int Height) Write(DecoderSamples samples, string pngPath, int? scale = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        if (samples.Count == 0) throw new ArgumentException("There are no samples to draw.", nameof(samples));
        if (samples.Channels is not (1 or 3))
            throw new ArgumentException($"The grid draws 1- or 3-channel images, got {samples.Channels} channels.", nameof(samples));
        if (samples.Reconstructions.Count != samples.Count)
            throw new ArgumentException($"{samples.Count} originals but {samples.Reconstructions.Count} reconstructions.", nameof(samples));
        if (samples.MaskedInputs is { } maskedInputs && maskedInputs.Count != samples.Count)
            throw new ArgumentException($"{samples.Count} originals but {maskedInputs.Count} masked inputs.", nameof(samples));
        var rows = samples.MaskedInputs is null
            ? new[] { samples.Originals, samples.Reconstructions }
            : new[] { samples.Originals, samples.MaskedInputs, samples.Reconstructions };
        int s = scale ?? ScaleFor(Math.Max(samples.Height, samples.Width));
        if (s < 1) throw new ArgumentOutOfRangeException(nameof(scale), s, "scale must be at least 1.");
        int cellW = s * samples.Width, cellH = s * samples.Height;
        int cols = Math.Min(Columns, samples.Count), blocks = (samples.Count + cols - 1) / cols;
        int width = cols * cellW + (cols + 1) * Padding;
        int r = rows.Length;
        int height = 2 * Padding + blocks * (r * cellH + (r - 1) * Padding) + (blocks - 1) * BlockGap;

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(255, 255, 255));
        for (int i = 0; i < samples.Count; i++)
        {
            int col = i % cols, block = i / cols;
            int x = Padding + col * (cellW + Padding);
            int y = Padding + block * (r * cellH + (r - 1) * Padding + BlockGap);
            for (int row = 0; row < r; row++)
                Draw(bitmap, samples, rows[row][i], x, y + row * (cellH + Padding), s);
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(pngPath));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(pngPath);
        data.SaveTo(file);
        return (width, height);
    }

    private static void Draw(SKBitmap bitmap, DecoderSamples samples, float[] pixels, int x0, int y0, int scale)
    {
        int c = samples.Channels, h = samples.Height, w = samples.Width, plane = h * w;
        if (pixels.Length != c * plane)
            throw new ArgumentException($"An image holds {pixels.Length} values but {c}x{h}x{w} = {c * plane} were expected.", nameof(samples));
        static byte Byte(float v) => (byte)Math.Clamp((int)MathF.Round(255 * (float.IsFinite(v) ? v : 0)), 0, 255);
        for (int yy = 0; yy < h; yy++)
            for (int xx = 0; xx < w; xx++)
            {
                int i = yy * w + xx;
                byte r = Byte(pixels[i]);
                var color = c == 1 ? new SKColor(r, r, r) : new SKColor(r, Byte(pixels[plane + i]), Byte(pixels[2 * plane + i]));
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++)
                        bitmap.SetPixel(x0 + xx * scale + dx, y0 + yy * scale + dy, color);
            }
    }
}
