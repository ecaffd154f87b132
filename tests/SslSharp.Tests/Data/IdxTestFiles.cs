using System.Buffers.Binary;
using System.IO.Compression;

namespace SslSharp.Tests.Data;

/// <summary>Writes small IDX files (raw or gzip) and temporary folders for the data tests.</summary>
internal static class IdxTestFiles
{
    /// <summary>The bytes of an IDX file: magic, big-endian sizes, data.</summary>
    public static byte[] Build(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    /// <summary>Deterministic pseudo-random image bytes, n x h x w.</summary>
    public static byte[] ImageBytes(int n, int h, int w, int salt = 0)
    {
        var data = new byte[n * h * w];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)((i * 31 + salt * 7 + (i / 5)) % 256);
        return data;
    }

    public static byte[] Images(int n, int h, int w, int salt = 0) => Build(0x803, new[] { n, h, w }, ImageBytes(n, h, w, salt));

    public static byte[] Labels(byte[] labels) => Build(0x801, new[] { labels.Length }, labels);

    /// <summary>A fresh empty folder under the system temp folder; deleted by <see cref="IDisposable.Dispose"/>.</summary>
    public static TempDir NewDir() => new();

    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("sslsharp-data-").FullName;

        public string Write(string name, byte[] bytes)
        {
            string p = System.IO.Path.Combine(Path, name);
            File.WriteAllBytes(p, bytes);
            return p;
        }

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
