namespace SslSharp.Data;

/// <summary>
/// Decodes one image file (JPEG, PNG) into the fixed-size pixels an <see cref="ImageDataset"/> holds.
/// The core library decodes no image formats itself; an imaging library above it implements this
/// (<c>SslSharp.Imaging.SkiaImageDecoder</c>).
/// </summary>
public interface IImageDecoder
{
    /// <summary>
    /// Decodes <paramref name="path"/>, resizes it so that its shorter side is <paramref name="size"/>
    /// pixels and cuts the centre <paramref name="size"/> x <paramref name="size"/> square (torchvision's
    /// <c>Resize(size)</c> + <c>CenterCrop(size)</c>), writing <c>uint8 [C, size, size]</c> (channels
    /// first, rows top to bottom) into <paramref name="destination"/>. C = 3 gives R, G, B; C = 1 gives
    /// the luma 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601). Transparent pixels are composed over black.
    /// Must be safe to call from several threads at once.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="size">Side of the output square, at least 1.</param>
    /// <param name="channels">1 (grey) or 3 (colour).</param>
    /// <param name="destination">Exactly <c>channels * size * size</c> bytes.</param>
    /// <exception cref="InvalidDataException">The file is empty, truncated, not an image, or in a format the decoder does not read.</exception>
    void Decode(string path, int size, int channels, Span<byte> destination);
}
