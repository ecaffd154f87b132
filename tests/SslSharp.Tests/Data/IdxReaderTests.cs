using SslSharp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false, "imgs.idx")]
    [InlineData(true, "imgs.idx")]          // gzip detected by content, not by extension
    [InlineData(true, "imgs.idx.gz")]
    [InlineData(false, "imgs.idx.gz")]      // raw despite the .gz name
    public void Images_round_trip_raw_and_gzip(bool gzip, string fileName)
    {
        using var dir = IdxTestFiles.NewDir();
        var data = IdxTestFiles.ImageBytes(5, 3, 4);
        var file = IdxTestFiles.Images(5, 3, 4);
        string path = dir.Write(fileName, gzip ? IdxTestFiles.Gzip(file) : file);

        using var images = IdxReader.ReadImages(path);

        Assert.Equal(new long[] { 5, 1, 3, 4 }, images.shape);
        Assert.Equal(ScalarType.Byte, images.dtype);
        Assert.Equal(data, images.data<byte>().ToArray());
        // Row-major: element [n, 0, y, x] is data[n*12 + y*4 + x].
        Assert.Equal(data[2 * 12 + 1 * 4 + 3], images[2, 0, 1, 3].item<byte>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_round_trip_raw_and_gzip(bool gzip)
    {
        using var dir = IdxTestFiles.NewDir();
        var values = new byte[] { 3, 0, 9, 255, 7 };
        var file = IdxTestFiles.Labels(values);
        string path = dir.Write("labels", gzip ? IdxTestFiles.Gzip(file) : file);

        using var labels = IdxReader.ReadLabels(path);

        Assert.Equal(new long[] { 5 }, labels.shape);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(new long[] { 3, 0, 9, 255, 7 }, labels.data<long>().ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Stream_overloads_read_seekable_and_forward_only_streams(bool gzip)
    {
        var file = IdxTestFiles.Images(2, 2, 2);
        var bytes = gzip ? IdxTestFiles.Gzip(file) : file;

        using var fromSeekable = IdxReader.ReadImages(new MemoryStream(bytes));
        using var fromForwardOnly = IdxReader.ReadImages(new ForwardOnlyStream(bytes));

        Assert.Equal(IdxTestFiles.ImageBytes(2, 2, 2), fromSeekable.data<byte>().ToArray());
        Assert.Equal(IdxTestFiles.ImageBytes(2, 2, 2), fromForwardOnly.data<byte>().ToArray());
    }

    [Fact]
    public void Missing_file_names_the_file_and_the_hint()
    {
        using var dir = IdxTestFiles.NewDir();
        string path = System.IO.Path.Combine(dir.Path, "nope-images-idx3-ubyte.gz");

        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadImages(path, "install the thing"));

        Assert.Contains(path, e.Message);
        Assert.Contains("install the thing", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_data_says_how_much_is_missing(bool gzip)
    {
        using var dir = IdxTestFiles.NewDir();
        var file = IdxTestFiles.Images(4, 3, 3);
        var truncated = file[..(file.Length - 5)];
        string path = dir.Write("t.idx", gzip ? IdxTestFiles.Gzip(truncated) : truncated);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path, "HINT"));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("36", e.Message); // claimed data bytes: 4 x 3 x 3
        Assert.Contains("31", e.Message); // bytes present
        Assert.Contains("HINT", e.Message);
    }

    [Fact]
    public void Truncated_gzip_stream_is_an_invalid_data_error()
    {
        using var dir = IdxTestFiles.NewDir();
        var gz = IdxTestFiles.Gzip(IdxTestFiles.Images(50, 8, 8));
        string path = dir.Write("cut.gz", gz[..(gz.Length / 2)]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Corrupt_gzip_is_an_invalid_data_error_naming_the_file()
    {
        using var dir = IdxTestFiles.NewDir();
        var gz = IdxTestFiles.Gzip(IdxTestFiles.Images(50, 8, 8));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5a; // scramble the deflate data, keep the gzip header
        string path = dir.Write("corrupt.gz", gz);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path, "HINT"));

        Assert.Contains(path, e.Message);
        Assert.Contains("HINT", e.Message);
    }

    [Fact]
    public void Extra_bytes_after_the_data_are_rejected()
    {
        using var dir = IdxTestFiles.NewDir();
        string path = dir.Write("long.idx", [.. IdxTestFiles.Images(2, 2, 2), 1, 2, 3]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains("more data than the header claims", e.Message);
    }

    [Fact]
    public void Label_file_read_as_images_reports_the_wrong_magic()
    {
        using var dir = IdxTestFiles.NewDir();
        string path = dir.Write("labels.idx", IdxTestFiles.Labels(new byte[] { 1, 2 }));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("0x00000803", e.Message);
        Assert.Contains("label file", e.Message);
    }

    [Fact]
    public void Arbitrary_bytes_report_the_wrong_magic()
    {
        using var dir = IdxTestFiles.NewDir();
        string path = dir.Write("junk.txt", "hello world, not an IDX file"u8.ToArray());

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("magic number", e.Message);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0, 0 }, "fewer than the 4-byte magic")]
    [InlineData(new byte[] { 0, 0, 8, 3, 0, 0, 0, 2 }, "header is truncated")]
    public void Short_files_are_rejected(byte[] bytes, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(bytes), "short-file"));

        Assert.Contains("short-file", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Zero_dimension_is_rejected()
    {
        var bytes = IdxTestFiles.Build(0x803, new[] { 3, 0, 4 }, Array.Empty<byte>());

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(bytes), "zero"));

        Assert.Contains("dimension 1 has size 0", e.Message);
    }

    [Fact]
    public void Huge_claimed_size_is_rejected_before_allocating()
    {
        var bytes = IdxTestFiles.Build(0x803, new[] { int.MaxValue, 1000, 1000 }, new byte[10]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(bytes), "huge"));

        Assert.Contains("more than can be loaded", e.Message);
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 3));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void A_gz_file_that_is_neither_gzip_nor_idx_says_both_and_names_the_file()
    {
        using var dir = IdxTestFiles.NewDir();
        var path = dir.Write("train-images-idx3-ubyte.gz", "<html>404 Not Found</html>"u8.ToArray());   // a failed download
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("ends in .gz but is not gzip data", e.Message);
        Assert.Contains("not a valid IDX image file either: its magic number is", e.Message);
        var plain = dir.Write("other.idx", "<html>404 Not Found</html>"u8.ToArray());                    // no .gz: no gzip remark
        Assert.DoesNotContain("gzip", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(plain)).Message);
    }
}
