using System.Buffers.Binary;

namespace SslSharp.Tests.Reporting;

/// <summary>Checks that bytes are a PNG and reads its size from the IHDR chunk.</summary>
internal static class PngFile
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static (int Width, int Height) AssertValid(byte[] bytes, string what)
    {
        Assert.True(bytes.Length > 1000, $"{what} is suspiciously small ({bytes.Length} bytes)");
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(Signature), $"{what} is not a PNG");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        int w = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), h = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20));
        Assert.True(w >= 100 && h >= 100, $"{what} is only {w}x{h}");
        // The last chunk is IEND: the file is complete.
        Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(bytes, bytes.Length - 8, 4));
        return (w, h);
    }

    public static (int Width, int Height) AssertValid(string path) => AssertValid(File.ReadAllBytes(path), path);
}
