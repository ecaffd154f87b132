using SkiaSharp;
using SslSharp.Imaging;
using SslSharp.Tests.Data;

namespace SslSharp.Tests.Imaging;

public class SkiaImageDecoderTests
{
    private static byte[] Decode(string path, int size, int channels)
    {
        var b = new byte[channels * size * size];
        SkiaImageDecoder.Instance.Decode(path, size, channels, b);
        return b;
    }

    [Fact]
    public void A_png_at_its_own_size_comes_out_exactly_as_RGB_planes_row_by_row()
    {
        using var dir = IdxTestFiles.NewDir();
        // pixel (x, y) = (R 10x, G 20y, B 200 only at row 1, column 3)
        var path = ImageFiles.Write(Path.Combine(dir.Path, "a.png"), 4, 4, (x, y) => new SKColor((byte)(10 * x), (byte)(20 * y), x == 3 && y == 1 ? (byte)200 : (byte)0));

        var b = Decode(path, 4, 3);

        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                Assert.Equal(10 * x, b[0 * 16 + y * 4 + x]);
                Assert.Equal(20 * y, b[1 * 16 + y * 4 + x]);
                Assert.Equal(x == 3 && y == 1 ? 200 : 0, b[2 * 16 + y * 4 + x]);
            }
    }

    [Fact]
    public void The_shorter_side_is_resized_and_the_centre_square_kept()
    {
        using var dir = IdxTestFiles.NewDir();
        // 48 x 16: red left third, green middle third, blue right third. The centre 16 x 16 square is all green.
        var path = ImageFiles.Write(Path.Combine(dir.Path, "wide.png"), 48, 16,
            (x, _) => x < 16 ? SKColors.Red : x < 32 ? new SKColor(0, 255, 0) : SKColors.Blue);

        var b = Decode(path, 8, 3);

        Assert.All(b[..64], v => Assert.Equal(0, v));          // no red
        Assert.All(b[64..128], v => Assert.Equal(255, v));     // all green
        Assert.All(b[128..], v => Assert.Equal(0, v));         // no blue
    }

    [Fact]
    public void Grey_is_the_BT601_luma_and_a_jpeg_decodes_close_to_its_colour()
    {
        using var dir = IdxTestFiles.NewDir();
        var png = ImageFiles.Solid(Path.Combine(dir.Path, "red.png"), new SKColor(255, 0, 0));
        Assert.All(Decode(png, 6, 1), v => Assert.Equal(76, v));   // round(0.299 * 255)

        var jpg = ImageFiles.Solid(Path.Combine(dir.Path, "teal.jpg"), new SKColor(0, 128, 128), 16, SKEncodedImageFormat.Jpeg);
        var b = Decode(jpg, 8, 3);
        Assert.All(b[..64], v => Assert.InRange(v, 0, 6));
        Assert.All(b[64..], v => Assert.InRange(v, 122, 134));
    }

    [Fact]
    public void A_truncated_jpeg_an_empty_file_and_random_bytes_are_refused_with_the_reason()
    {
        using var dir = IdxTestFiles.NewDir();
        var jpg = ImageFiles.Write(Path.Combine(dir.Path, "noise.jpg"), 64, 64, (x, y) => new SKColor((byte)(x * 7 ^ y * 13), (byte)(x * y), (byte)(x + y)), SKEncodedImageFormat.Jpeg, 95);
        File.WriteAllBytes(jpg, File.ReadAllBytes(jpg)[..(int)(new FileInfo(jpg).Length / 2)]);
        var truncated = Assert.Throws<InvalidDataException>(() => Decode(jpg, 8, 3));
        Assert.Contains("truncated", truncated.Message);

        var empty = dir.Write("empty.png", []);
        Assert.Throws<InvalidDataException>(() => Decode(empty, 8, 3));

        var junk = dir.Write("junk.jpg", Enumerable.Range(0, 300).Select(i => (byte)(i * 37)).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Decode(junk, 8, 3));
        Assert.Contains("not an image", e.Message);
    }
}
