using SkiaSharp;
using SslSharp.Data;

namespace SslSharp.Imaging;

/// <summary>
/// <see cref="IImageDecoder"/> on SkiaSharp (Google's Skia; MIT licence), the imaging library already in
/// SslSharp's dependencies through ScottPlot: JPEG and PNG (and the other formats Skia reads).
/// </summary>
/// <remarks>
/// A file is decoded whole with <c>SKCodec</c>, whose result code tells a truncated file
/// (<c>IncompleteInput</c>) from a complete one, so a partial image is refused rather than padded. The
/// centre square of side <c>min(width, height)</c> is then drawn onto a black <c>size x size</c> canvas
/// with linear filtering between mipmap levels (resize of the shorter side to <c>size</c> and centre
/// crop in one step, as torchvision's <c>Resize(size)</c> + <c>CenterCrop(size)</c>). Grey is the
/// BT.601 luma of the drawn RGB, rounded.
/// </remarks>
public sealed class SkiaImageDecoder : IImageDecoder
{
    /// <summary>The shared instance (the decoder keeps no state).</summary>
    public static SkiaImageDecoder Instance { get; } = new();

    /// <inheritdoc />
    public void Decode(string path, int size, int channels, Span<byte> destination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "The output size must be at least 1.");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1 or 3.");
        if (destination.Length != channels * size * size)
            throw new ArgumentException($"The destination must hold {channels * size * size} bytes, not {destination.Length}.", nameof(destination));

        using var codec = SKCodec.Create(path, out var created)
            ?? throw new InvalidDataException(created == SKCodecResult.IncompleteInput
                ? "the file is truncated (it ends inside the image header)"
                : $"not an image Skia can read ({created}: not JPEG or PNG, or the header is damaged)");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        if (info.Width < 1 || info.Height < 1) throw new InvalidDataException($"the image has no pixels ({info.Width}x{info.Height})");
        using var full = new SKBitmap(info);
        var result = codec.GetPixels(info, full.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvalidDataException(result == SKCodecResult.IncompleteInput
                ? $"the {codec.EncodedFormat} data is truncated (the file ends before the image does)"
                : $"the {codec.EncodedFormat} data cannot be decoded ({result})");

        if (info.Width == size && info.Height == size)
        {
            // Already the output size: the centre crop and resize would be the identity, so skip the canvas.
            CopyChannels(full.GetPixelSpan(), size, channels, destination);
            return;
        }
        int side = Math.Min(info.Width, info.Height);
        var source = SKRect.Create((info.Width - side) / 2f, (info.Height - side) / 2f, side, side);
        using var image = SKImage.FromBitmap(full);
        using var output = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(output))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(image, source, SKRect.Create(0, 0, size, size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        CopyChannels(output.GetPixelSpan(), size, channels, destination);
    }

    // RGBA (premultiplied; the images are opaque) to planar RGB or to grey (ITU-R BT.601 luma, rounded).
    private static void CopyChannels(ReadOnlySpan<byte> rgba, int size, int channels, Span<byte> destination)
    {
        int plane = size * size;
        for (int p = 0; p < plane; p++)
        {
            byte r = rgba[4 * p], g = rgba[4 * p + 1], b = rgba[4 * p + 2];
            if (channels == 3)
            {
                destination[p] = r;
                destination[plane + p] = g;
                destination[2 * plane + p] = b;
            }
            else
            {
                destination[p] = (byte)Math.Clamp((int)Math.Round(0.299 * r + 0.587 * g + 0.114 * b), 0, 255);
            }
        }
    }
}
