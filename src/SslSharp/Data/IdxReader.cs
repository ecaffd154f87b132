using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST: a big-endian header (magic number,
/// then one 32-bit size per dimension) followed by the raw unsigned bytes. Gzip-compressed files
/// are recognised by their content (the gzip magic <c>0x1f 0x8b</c>), not by their extension.
/// </summary>
/// <remarks>
/// Format: LeCun, Cortes and Burges, "The MNIST database of handwritten digits"
/// (http://yann.lecun.com/exdb/mnist/). Only unsigned-byte data (type code <c>0x08</c>) is
/// supported: image files carry magic <c>0x00000803</c> (3 dimensions: N, H, W) and label files
/// <c>0x00000801</c> (1 dimension: N). Every problem (missing file, wrong magic, zero sizes,
/// truncated or over-long data, corrupt gzip) throws with a message that names the file and,
/// when given, says where correct data can be found.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned bytes with 3 dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes with 1 dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    private const string OwnErrorKey = "SslSharp.Data.IdxReader";
    private const string DefaultHint = "Check the path, or replace the file with an intact copy.";

    /// <summary>Reads an IDX image file (raw or gzip).</summary>
    /// <param name="path">The file, e.g. <c>t10k-images-idx3-ubyte.gz</c>.</param>
    /// <param name="dataHint">
    /// Appended to every error message: where correct data can be found (e.g. "install Debian's
    /// dataset-fashion-mnist ... or pass --data-dir"). A generic hint when null.
    /// </param>
    /// <returns>Images <c>uint8 [N, 1, H, W]</c> on the CPU, owned by the caller.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX image file.</exception>
    public static Tensor ReadImages(string path, string? dataHint = null)
    {
        using var stream = OpenFile(path, "image", dataHint);
        return ReadImages(stream, path, dataHint);
    }

    /// <summary>Reads an IDX image file (raw or gzip) from a stream.</summary>
    /// <param name="stream">The file's bytes; read to the end, not disposed.</param>
    /// <param name="sourceName">What to call the source in error messages (e.g. its path).</param>
    /// <param name="dataHint">Appended to every error message: where correct data can be found.</param>
    /// <returns>Images <c>uint8 [N, 1, H, W]</c> on the CPU, owned by the caller.</returns>
    /// <exception cref="InvalidDataException">The data is not a valid IDX image file.</exception>
    public static Tensor ReadImages(Stream stream, string sourceName = "<stream>", string? dataHint = null)
    {
        var (dims, bytes) = Read(stream, sourceName, ImagesMagic, "image", dataHint);
        return torch.tensor(bytes, new[] { dims[0], 1L, dims[1], dims[2] }, ScalarType.Byte);
    }

    /// <summary>Reads an IDX label file (raw or gzip).</summary>
    /// <param name="path">The file, e.g. <c>t10k-labels-idx1-ubyte.gz</c>.</param>
    /// <param name="dataHint">Appended to every error message: where correct data can be found.</param>
    /// <returns>Labels <c>int64 [N]</c> on the CPU, owned by the caller.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX label file.</exception>
    public static Tensor ReadLabels(string path, string? dataHint = null)
    {
        using var stream = OpenFile(path, "label", dataHint);
        return ReadLabels(stream, path, dataHint);
    }

    /// <summary>Reads an IDX label file (raw or gzip) from a stream.</summary>
    /// <param name="stream">The file's bytes; read to the end, not disposed.</param>
    /// <param name="sourceName">What to call the source in error messages (e.g. its path).</param>
    /// <param name="dataHint">Appended to every error message: where correct data can be found.</param>
    /// <returns>Labels <c>int64 [N]</c> on the CPU, owned by the caller.</returns>
    /// <exception cref="InvalidDataException">The data is not a valid IDX label file.</exception>
    public static Tensor ReadLabels(Stream stream, string sourceName = "<stream>", string? dataHint = null)
    {
        var (_, bytes) = Read(stream, sourceName, LabelsMagic, "label", dataHint);
        var labels = new long[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) labels[i] = bytes[i];
        return torch.tensor(labels, ScalarType.Int64);
    }

    private static FileStream OpenFile(string path, string kind, string? dataHint)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The IDX {kind} file '{Path.GetFullPath(path)}' does not exist. {dataHint ?? DefaultHint}", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static (long[] Dims, byte[] Bytes) Read(Stream stream, string source, int expectedMagic, string kind, string? dataHint)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string hint = dataHint ?? DefaultHint;
        bool misnamed = false;   // named .gz but not gzip data: read as raw IDX, and said so if that fails too
        InvalidDataException Bad(string what, Exception? inner = null)
        {
            var e = new InvalidDataException(misnamed
                ? $"'{source}' ends in .gz but is not gzip data (no 0x1f8b at the start: a damaged download or a renamed file), " +
                  $"and read as raw IDX it is not a valid IDX {kind} file either: {what}. {hint}"
                : $"'{source}' is not a valid IDX {kind} file: {what}. {hint}", inner);
            e.Data[OwnErrorKey] = true;
            return e;
        }

        try
        {
            var (content, owned) = OpenContent(stream);
            misnamed = content is not GZipStream && source.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
            try
            {
                Span<byte> head = stackalloc byte[4];
                int got = ReadAtMost(content, head);
                if (got < 4) throw Bad(got == 0 ? "it is empty" : $"it has only {got} bytes, fewer than the 4-byte magic number");
                int magic = BinaryPrimitives.ReadInt32BigEndian(head);
                if (magic != expectedMagic)
                {
                    string other = magic == ImagesMagic ? " (that is an IDX image file)"
                        : magic == LabelsMagic ? " (that is an IDX label file)" : "";
                    throw Bad($"its magic number is 0x{magic:x8}{other}, expected 0x{expectedMagic:x8} " +
                              $"(unsigned bytes, {expectedMagic & 0xff} dimension{((expectedMagic & 0xff) == 1 ? "" : "s")})");
                }

                int ndim = expectedMagic & 0xff;
                Span<byte> sizes = stackalloc byte[4 * ndim];
                got = ReadAtMost(content, sizes);
                if (got < sizes.Length) throw Bad($"the header is truncated ({4 + got} of {4 + sizes.Length} bytes)");
                var dims = new long[ndim];
                long total = 1;
                for (int d = 0; d < ndim; d++)
                {
                    // Sizes are unsigned 32-bit; anything that does not fit an int is certainly corrupt.
                    uint size = BinaryPrimitives.ReadUInt32BigEndian(sizes.Slice(4 * d, 4));
                    if (size == 0 || size > int.MaxValue) throw Bad($"dimension {d} has size {size}");
                    dims[d] = size;
                    total *= size;
                    if (total > Array.MaxLength) throw Bad($"the header claims {string.Join(" x ", dims.Take(d + 1))} values, more than can be loaded");
                }

                var bytes = new byte[total];
                got = ReadAtMost(content, bytes);
                if (got < total)
                    throw Bad($"it is truncated: the header claims {string.Join(" x ", dims)} = {total} data bytes but only {got} follow");
                if (content.ReadByte() != -1)
                    throw Bad($"it has more data than the header claims ({string.Join(" x ", dims)} = {total} bytes)");
                return (dims, bytes);
            }
            finally
            {
                if (owned) content.Dispose();
            }
        }
        catch (InvalidDataException e) when (!e.Data.Contains(OwnErrorKey))
        {
            throw Bad($"the gzip data is corrupt ({e.Message})", e);
        }
        catch (EndOfStreamException e)
        {
            throw Bad($"the gzip data ends early ({e.Message})", e);
        }
    }

    /// <summary>The decompressed content (a GZipStream when the data starts with 0x1f 0x8b) and whether to dispose it.</summary>
    private static (Stream Content, bool Owned) OpenContent(Stream stream)
    {
        Stream source = stream;
        if (!stream.CanSeek)
        {
            var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            buffer.Position = 0;
            source = buffer;
        }
        long start = source.Position;
        int b0 = source.ReadByte(), b1 = source.ReadByte();
        source.Position = start;
        bool gzip = b0 == 0x1f && b1 == 0x8b;
        if (gzip) return (new GZipStream(source, CompressionMode.Decompress, leaveOpen: source == stream), true);
        return (source, source != stream);
    }

    private static int ReadAtMost(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
