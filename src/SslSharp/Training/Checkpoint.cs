using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SslSharp.Methods;
using SslSharp.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Training;

/// <summary>
/// Saves and restores everything a run needs to continue exactly: the method's <c>state_dict()</c>
/// (with teachers, queues and centers, which are sub-modules or buffers), the optimizer state, the
/// step and epoch, the options and configuration as JSON, the method name, and torch's global RNG
/// state. Evaluation code loads only the weights with <see cref="LoadWeights"/>.
/// </summary>
/// <remarks>
/// A header of JSON metadata and a tensor table, the raw tensor bytes, and a SHA-256 of the whole; written to
/// <c>path.tmp</c>, fsynced and renamed over <c>path</c>, so a crash mid-write leaves the previous checkpoint intact.
/// The byte layout: docs/run-folder.md#checkpoints.
/// </remarks>
public static class Checkpoint
{
    /// <summary>Current format version.</summary>
    public const int FormatVersion = 1;

    /// <summary>File name of the rolling checkpoint in a run folder.</summary>
    public const string LastFileName = "last.ckpt";

    private static readonly byte[] Magic = "SSLSHARPCKPT"u8.ToArray();
    private const int HashLength = 32;

    internal static readonly JsonSerializerOptions Json = new()
    {
        IncludeFields = true,
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Serialises <paramref name="options"/> to the JSON stored in checkpoints.</summary>
    public static string OptionsToJson(TrainerOptions options) => JsonSerializer.Serialize(options, Json);

    /// <summary>Parses options JSON written by <see cref="OptionsToJson"/>.</summary>
    public static TrainerOptions OptionsFromJson(string json) =>
        JsonSerializer.Deserialize<TrainerOptions>(json, Json) ?? throw new InvalidDataException("The checkpoint's trainer options are empty.");

    /// <summary>
    /// Writes a checkpoint of <paramref name="method"/> (and <paramref name="optimizer"/>'s state when
    /// given) with the metadata in <paramref name="info"/> and torch's global RNG state, atomically.
    /// </summary>
    public static void Save(string path, SslMethod method, SslOptimizer? optimizer, CheckpointInfo info) =>
        Save(path, method, optimizer, info, wrap: null);

    /// <summary>Save with a stream wrapper (tests use it to make the write fail part-way).</summary>
    internal static void Save(string path, SslMethod method, SslOptimizer? optimizer, CheckpointInfo info, Func<Stream, Stream>? wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(info);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";

        using var scope = torch.NewDisposeScope();
        var tensors = new List<(string Name, Tensor Tensor)>();
        foreach (var (key, t) in method.state_dict()) tensors.Add(("model/" + key, t));
        if (optimizer is not null)
            foreach (var (key, t) in optimizer.StateTensors()) tensors.Add(("optim/" + key, t));
        tensors.Add(("rng/torch", torch.get_rng_state()));

        var entries = new List<TensorEntry>(tensors.Count);
        var cpu = new List<Tensor>(tensors.Count);
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            var c = t.detach().cpu().contiguous();
            long length = c.NumberOfElements * c.ElementSize;
            entries.Add(new TensorEntry(name, c.dtype.ToString(), c.shape, offset, length));
            cpu.Add(c);
            offset += length;
        }
        var header = new Header(FormatVersion, info.MethodName, info.Step, info.Epoch, info.StepsPerEpoch,
            optimizer is null ? null : info.OptimizerName, optimizer?.StepCount ?? 0, info.TrainerOptionsJson, info.ConfigJson,
            info.CreatedUtc, entries, info.GlobalBatchSize, info.WorldSize);
        byte[] headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, Json);

        try
        {
            using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var stream = wrap?.Invoke(file) ?? file;
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                void Write(ReadOnlySpan<byte> bytes)
                {
                    hash.AppendData(bytes);
                    stream.Write(bytes);
                }
                Write(Magic);
                Span<byte> num = stackalloc byte[8];
                BitConverter.TryWriteBytes(num, FormatVersion);
                Write(num[..4]);
                BitConverter.TryWriteBytes(num, (long)headerBytes.Length);
                Write(num);
                Write(headerBytes);
                foreach (var c in cpu) Write(c.bytes);
                stream.Write(hash.GetHashAndReset());
                stream.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (e is IOException or UnauthorizedAccessException)
                throw new IOException(
                    $"Could not write the checkpoint '{path}' ({e.Message}). Any earlier checkpoint there is unchanged. " +
                    $"Make room in (or restore) the folder '{dir}', or give another --out, then resume.", e);
            throw;
        }
    }

    /// <summary>
    /// Deletes the <c>*.ckpt.tmp</c> files a killed write left in <paramref name="runDirectory"/> (a finished write
    /// renames its temporary file, so any that remains is stale). Returns the files deleted.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemporaries(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        if (!Directory.Exists(runDirectory)) return [];
        var stale = Directory.GetFiles(runDirectory, "*.ckpt.tmp");
        foreach (var f in stale) File.Delete(f);
        return stale;
    }

    /// <summary>Reads the metadata of the checkpoint at <paramref name="path"/> (validates the whole file).</summary>
    /// <exception cref="InvalidDataException">The file is not an SslSharp checkpoint or is damaged.</exception>
    public static CheckpointInfo ReadInfo(string path) => ToInfo(Read(path).Header);

    /// <summary>
    /// Loads only the method weights (the <c>model/</c> part) into <paramref name="method"/>, e.g. for
    /// <c>sslsharp eval knn --checkpoint</c>. Returns the checkpoint's metadata.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not an SslSharp checkpoint or is damaged.</exception>
    /// <exception cref="InvalidOperationException">The method's state-dict keys or shapes differ from the checkpoint's (names the first mismatching key).</exception>
    public static CheckpointInfo LoadWeights(string path, SslMethod method)
    {
        var file = Read(path);
        using var scope = torch.NewDisposeScope();
        LoadModel(file, path, method);
        return ToInfo(file.Header);
    }

    /// <summary>
    /// Restores a run: method weights, optimizer state (when <paramref name="optimizer"/> is given) and
    /// torch's global RNG state. Returns the metadata (step, epoch) to continue from.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged, or its optimizer state does not fit <paramref name="optimizer"/>.</exception>
    /// <exception cref="InvalidOperationException">The method's state-dict keys or shapes differ from the checkpoint's.</exception>
    public static CheckpointInfo Restore(string path, SslMethod method, SslOptimizer? optimizer)
    {
        var file = Read(path);
        using var scope = torch.NewDisposeScope();
        LoadModel(file, path, method);
        if (optimizer is not null)
        {
            var state = new Dictionary<string, Tensor>();
            foreach (var e in file.Header.Tensors.Where(e => e.Name.StartsWith("optim/", StringComparison.Ordinal)))
                state[e.Name["optim/".Length..]] = file.Materialise(e);
            optimizer.LoadState(state, file.Header.OptimizerSteps);
        }
        var rng = file.Header.Tensors.FirstOrDefault(e => e.Name == "rng/torch");
        if (rng is not null) torch.set_rng_state(file.Materialise(rng));
        return ToInfo(file.Header);
    }

    private static void LoadModel(CheckpointFile file, string path, SslMethod method)
    {
        var stored = file.Header.Tensors.Where(e => e.Name.StartsWith("model/", StringComparison.Ordinal))
            .ToDictionary(e => e.Name["model/".Length..]);
        var target = method.state_dict();
        string Context() =>
            $"Checkpoint '{path}' holds method '{file.Header.Method}'; the method being loaded is '{method.GetName()}'. " +
            "Build the method with the same settings (backbone, widths, heads) as the run that wrote the checkpoint.";
        foreach (var (key, t) in target)
        {
            if (!stored.TryGetValue(key, out var e))
                throw new InvalidOperationException($"The checkpoint has no entry for '{key}'. {Context()}");
            if (!e.Shape.SequenceEqual(t.shape))
                throw new InvalidOperationException(
                    $"'{key}' has shape [{string.Join(", ", e.Shape)}] in the checkpoint but [{string.Join(", ", t.shape)}] in the method. {Context()}");
        }
        var extra = stored.Keys.FirstOrDefault(k => !target.ContainsKey(k));
        if (extra is not null)
            throw new InvalidOperationException($"The checkpoint has an entry '{extra}' the method does not have. {Context()}");
        using var noGrad = torch.no_grad();
        foreach (var (key, t) in target)
            t.copy_(file.Materialise(stored[key]));
    }

    private static CheckpointInfo ToInfo(Header h) =>
        new(h.Method, h.Step, h.Epoch, h.StepsPerEpoch, h.Optimizer, h.TrainerOptions, h.Config, h.CreatedUtc, h.Format, h.GlobalBatchSize, h.WorldSize);

    private static InvalidDataException Damaged(string path, string why) =>
        new($"'{path}' is not an SslSharp checkpoint or is damaged ({why}); re-run from an earlier checkpoint or without --resume.");

    /// <summary>The checkpoint file <paramref name="path"/> names: the path itself, or a run folder's <see cref="LastFileName"/>.</summary>
    public static string Locate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Directory.Exists(path) ? Path.Combine(path, LastFileName) : path;
    }

    private static CheckpointFile Read(string path)
    {
        path = Locate(path);
        if (!File.Exists(path))
            throw new FileNotFoundException(Path.GetFileName(path) == LastFileName && Directory.Exists(Path.GetDirectoryName(path))
                ? $"Run folder '{Path.GetDirectoryName(path)}' has no {LastFileName}: the run wrote no checkpoint yet."
                : $"Checkpoint '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        int minimum = Magic.Length + 4 + 8 + HashLength;
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Damaged(path, "no SslSharp checkpoint header");
        if (bytes.Length < minimum) throw Damaged(path, "file is truncated");
        int version = BitConverter.ToInt32(bytes, Magic.Length);
        if (version != FormatVersion)
            throw Damaged(path, $"format version {version}, this build reads version {FormatVersion}");
        int bodyLength = bytes.Length - HashLength;
        var expected = SHA256.HashData(bytes.AsSpan(0, bodyLength));
        if (!expected.AsSpan().SequenceEqual(bytes.AsSpan(bodyLength)))
            throw Damaged(path, "checksum mismatch: the file is truncated or corrupted");
        long headerLength = BitConverter.ToInt64(bytes, Magic.Length + 4);
        int headerStart = Magic.Length + 12;
        if (headerLength <= 0 || headerStart + headerLength > bodyLength) throw Damaged(path, "bad header length");
        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(bytes.AsSpan(headerStart, (int)headerLength), Json)
                     ?? throw Damaged(path, "empty header");
        }
        catch (JsonException ex)
        {
            throw Damaged(path, "unreadable header: " + ex.Message);
        }
        long dataStart = headerStart + headerLength;
        foreach (var e in header.Tensors)
            if (e.Offset < 0 || e.Length < 0 || dataStart + e.Offset + e.Length > bodyLength)
                throw Damaged(path, $"tensor '{e.Name}' lies outside the file");
        return new CheckpointFile(header, bytes, dataStart, path);
    }

    private sealed record TensorEntry(string Name, string DType, long[] Shape, long Offset, long Length);

    private sealed record Header(
        int Format,
        string Method,
        long Step,
        int Epoch,
        long StepsPerEpoch,
        string? Optimizer,
        long OptimizerSteps,
        string TrainerOptions,
        string? Config,
        DateTime CreatedUtc,
        List<TensorEntry> Tensors,
        long? GlobalBatchSize = null,
        int? WorldSize = null);

    private sealed class CheckpointFile(Header header, byte[] bytes, long dataStart, string path)
    {
        public Header Header { get; } = header;

        /// <summary>Creates a CPU tensor (in the current dispose scope) holding entry <paramref name="e"/>.</summary>
        public Tensor Materialise(TensorEntry e)
        {
            if (!Enum.TryParse<ScalarType>(e.DType, out var dtype))
                throw Damaged(path, $"tensor '{e.Name}' has unknown dtype '{e.DType}'");
            var t = torch.empty(e.Shape, dtype: dtype);
            long expected = t.NumberOfElements * t.ElementSize;
            if (expected != e.Length) throw Damaged(path, $"tensor '{e.Name}' has {e.Length} bytes, expected {expected}");
            if (e.Length > 0) t.bytes = bytes.AsSpan((int)(dataStart + e.Offset), (int)e.Length);
            return t;
        }
    }
}
