using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Interop;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face), the weight file PyTorch, timm and torchvision users load with
/// <c>safetensors.torch.load_file</c>: named tensors with no code in the file, so loading one runs nothing.
/// </summary>
/// <remarks>
/// <para>Layout: an unsigned 64-bit little-endian header length <c>n</c>; <c>n</c> bytes of UTF-8 JSON mapping each
/// name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets into the data that follows), plus an optional
/// <c>"__metadata__"</c> object of string pairs; then the tensors' bytes, little-endian, row-major, back to back. The
/// header is padded with spaces to a multiple of 8 bytes. Written atomically (a temporary file, then a rename).</para>
/// <para>dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.</para>
/// </remarks>
public static class SafeTensors
{
    private static readonly (string Name, ScalarType Type)[] Types =
    {
        ("F64", ScalarType.Float64), ("F32", ScalarType.Float32), ("F16", ScalarType.Float16), ("BF16", ScalarType.BFloat16),
        ("I64", ScalarType.Int64), ("I32", ScalarType.Int32), ("I16", ScalarType.Int16), ("I8", ScalarType.Int8),
        ("U8", ScalarType.Byte), ("BOOL", ScalarType.Bool),
    };

    /// <summary>Writes <paramref name="tensors"/> (any device; copied to the CPU) and <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">Two tensors share a name, or a dtype has no safetensors name.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensors);
        using var scope = torch.NewDisposeScope();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) meta[k] = v;
            header["__metadata__"] = meta;
        }
        var data = new List<Tensor>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (header.ContainsKey(name)) throw new ArgumentException($"Two tensors are named '{name}'; safetensors names must be unique.", nameof(tensors));
            var cpu = tensor.detach().cpu().contiguous();
            long size = cpu.numel() * cpu.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = NameOf(cpu.dtype),
                ["shape"] = new JsonArray(cpu.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            data.Add(cpu);
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, file =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            file.Write(length);
            file.Write(json);
            for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
            foreach (var t in data) if (t.numel() > 0) file.Write(t.bytes);
        });
    }

    /// <summary>Reads every tensor (on the CPU, in file order) and the metadata of a safetensors file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not safetensors, or is truncated (the message names the file and what is wrong).</exception>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file '{path}' does not exist.", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw Bad(path, $"it has {bytes.Length} bytes, fewer than the 8 of the header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > (ulong)(bytes.Length - 8)) throw Bad(path, $"the header length {n} is larger than the file ({bytes.Length} bytes)");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.AsSpan(8, (int)n)) as JsonObject ?? throw Bad(path, "the header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Bad(path, $"the header is not valid JSON ({e.Message})");
        }
        long dataStart = 8 + (long)n, dataLength = bytes.Length - dataStart;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (k, v) in meta) metadata[k] = v?.ToString() ?? "";
                continue;
            }
            if (node is not JsonObject entry || entry["dtype"] is not JsonValue dtypeNode || entry["shape"] is not JsonArray shapeNode
                || entry["data_offsets"] is not JsonArray { Count: 2 } offsets)
                throw Bad(path, $"the entry '{name}' lacks dtype, shape or data_offsets");
            var type = TypeOf(path, name, dtypeNode.ToString());
            var shape = shapeNode.Select(d => d!.GetValue<long>()).ToArray();
            long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
            var t = torch.empty(shape, type);
            long expected = t.numel() * t.ElementSize;
            if (begin < 0 || end < begin || end > dataLength)
                throw Bad(path, $"the tensor '{name}' spans bytes {begin}..{end} of a data section of {dataLength} bytes (a truncated file?)");
            if (end - begin != expected)
                throw Bad(path, $"the tensor '{name}' of shape [{string.Join(", ", shape)}] {dtypeNode} needs {expected} bytes, its offsets give {end - begin}");
            if (expected > 0) t.bytes = bytes.AsSpan((int)(dataStart + begin), (int)expected);
            tensors[name] = t;
        }
        return (tensors, metadata);
    }

    private static string NameOf(ScalarType type) =>
        Types.FirstOrDefault(t => t.Type == type).Name ?? throw new ArgumentException($"safetensors has no name for dtype {type}.");

    private static ScalarType TypeOf(string path, string tensor, string name)
    {
        foreach (var (n, t) in Types) if (n == name) return t;
        throw Bad(path, $"the tensor '{tensor}' has dtype '{name}', which SslSharp does not read (known: {string.Join(", ", Types.Select(t => t.Name))})");
    }

    private static InvalidDataException Bad(string path, string what) => new($"'{path}' is not a readable safetensors file: {what}.");
}
