using SkiaSharp;

namespace SslSharp.Tests.Imaging;

/// <summary>Writes small PNG and JPEG files with known pixels (SkiaSharp's encoders) for the image-folder tests.</summary>
internal static class ImageFiles
{
    /// <summary>Writes a <paramref name="width"/> x <paramref name="height"/> image whose pixel (x, y) is <paramref name="pixel"/>(x, y).</summary>
    public static string Write(string path, int width, int height, Func<int, int, SKColor> pixel, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, pixel(x, y));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var data = bitmap.Encode(format, quality);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    public static string Solid(string path, SKColor colour, int size = 12, SKEncodedImageFormat format = SKEncodedImageFormat.Png) =>
        Write(path, size, size, (_, _) => colour, format);
}
