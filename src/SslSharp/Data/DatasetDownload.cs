using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace SslSharp.Data;

/// <summary>
/// The official archive of a data set and how to fetch it: download (resuming a partial file with
/// an HTTP <c>Range</c> request), check its SHA-256, and unpack it (<c>.tar.gz</c>).
/// </summary>
/// <param name="DataSet">The data set's display name, for messages (e.g. <c>CIFAR-10</c>).</param>
/// <param name="Url">The official address of the archive.</param>
/// <param name="Sha256">The archive's SHA-256, lower-case hex.</param>
/// <param name="Size">The archive's size in bytes, or null when unknown.</param>
/// <param name="Folder">The folder the archive unpacks to (inside the data folder).</param>
/// <param name="ProbeFile">A file inside <paramref name="Folder"/> whose presence means the data is unpacked.</param>
/// <remarks>
/// The checksums and sizes of the official archives are those TensorFlow Datasets records in
/// <c>tensorflow_datasets/url_checksums/{cifar10,cifar100,stl10}.txt</c>
/// (https://github.com/tensorflow/datasets), an independent download of the same files.
/// The archive is kept next to the unpacked folder, so unpacking again needs no network.
/// </remarks>
public sealed record DatasetDownload(string DataSet, string Url, string Sha256, long? Size, string Folder, string ProbeFile)
{
    /// <summary>Suffix of a partial download; a later fetch resumes it.</summary>
    public const string PartialSuffix = ".part";

    /// <summary>CIFAR-10, binary version (SHA-256 and size from TensorFlow Datasets' <c>url_checksums/cifar10.txt</c>).</summary>
    public static DatasetDownload Cifar10 { get; } = new("CIFAR-10", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
        "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", 170052171, "cifar-10-batches-bin", "test_batch.bin");

    /// <summary>CIFAR-100, binary version (SHA-256 and size from TensorFlow Datasets' <c>url_checksums/cifar100.txt</c>).</summary>
    public static DatasetDownload Cifar100 { get; } = new("CIFAR-100", "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
        "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec", 168513733, "cifar-100-binary", "test.bin");

    /// <summary>STL-10, binary version (SHA-256 and size from TensorFlow Datasets' <c>url_checksums/stl10.txt</c>).</summary>
    public static DatasetDownload Stl10 { get; } = new("STL-10", "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz",
        "f31fd99273a1acb8609c8db427cebb1de3f71de77758cdc0e22956e1289b9866", 2640397119, "stl10_binary", "test_X.bin");

    /// <summary>The archive's file name (the last segment of <see cref="Url"/>).</summary>
    public string FileName => Url[(Url.LastIndexOf('/') + 1)..];

    /// <summary>The "where to get it" sentence appended to messages about missing or damaged files.</summary>
    public static string HintFor(DatasetDownload download)
    {
        ArgumentNullException.ThrowIfNull(download);
        string size = download.Size is long s ? $" ({s / 1e6:F0} MB)" : "";
        return $"Add --download to fetch {download.Url}{size} into --data-dir and unpack it, or download and unpack it there yourself.";
    }

    /// <summary>
    /// Makes sure <paramref name="dataDir"/> holds the unpacked data: nothing happens when
    /// <see cref="Folder"/>/<see cref="ProbeFile"/> exists; otherwise the archive is downloaded (or
    /// its partial download resumed), checked and unpacked.
    /// </summary>
    /// <param name="dataDir">The data folder (created if missing).</param>
    /// <param name="baseUrl">Fetch <see cref="FileName"/> from this address instead of <see cref="Url"/> (a mirror, or a local server in tests).</param>
    /// <param name="progress">Receives (bytes so far, total bytes or null) while downloading.</param>
    /// <param name="client">The HTTP client; a shared one when null.</param>
    /// <param name="ct">Cancels the download (the partial file stays and is resumed next time).</param>
    /// <returns>What was done, in one line.</returns>
    /// <exception cref="InvalidDataException">The archive's checksum or size is wrong (the file is deleted), or it is not a valid .tar.gz.</exception>
    /// <exception cref="HttpRequestException">The server refused or could not be reached.</exception>
    public string Fetch(string dataDir, string? baseUrl = null, Action<long, long?>? progress = null, HttpClient? client = null,
        CancellationToken ct = default) =>
        FetchAsync(dataDir, baseUrl, progress, client, ct).GetAwaiter().GetResult();

    /// <inheritdoc cref="Fetch"/>
    public async Task<string> FetchAsync(string dataDir, string? baseUrl = null, Action<long, long?>? progress = null,
        HttpClient? client = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        if (File.Exists(dataDir))
            throw new DirectoryNotFoundException($"'{Path.GetFullPath(dataDir)}' is a file; --data-dir names the folder to download {DataSet} into.");
        string unpacked = Path.Combine(dataDir, Folder);
        if (File.Exists(Path.Combine(unpacked, ProbeFile)))
            return $"{DataSet} is already in '{Path.GetFullPath(unpacked)}'; nothing downloaded.";
        Directory.CreateDirectory(dataDir);
        string archive = Path.Combine(dataDir, FileName);
        string url = baseUrl is null ? Url : baseUrl.TrimEnd('/') + "/" + FileName;
        string done;
        if (File.Exists(archive) && (Size is null || new FileInfo(archive).Length == Size))
            done = $"used the archive already in '{Path.GetFullPath(archive)}'";
        else
        {
            long resumedAt = await DownloadAsync(url, archive + PartialSuffix, progress, client ?? SharedClient, ct).ConfigureAwait(false);
            File.Move(archive + PartialSuffix, archive, overwrite: true);
            done = resumedAt > 0 ? $"resumed the download of {url} at byte {resumedAt}" : $"downloaded {url}";
        }
        Verify(archive);
        Unpack(archive, dataDir);
        if (!File.Exists(Path.Combine(unpacked, ProbeFile)))
            throw new InvalidDataException(
                $"'{Path.GetFullPath(archive)}' unpacked, but '{Path.GetFullPath(Path.Combine(unpacked, ProbeFile))}' is not among its files: " +
                $"it is not the {DataSet} archive.");
        return $"{done}, checked its SHA-256 and unpacked it into '{Path.GetFullPath(unpacked)}'.";
    }

    /// <summary>Downloads <paramref name="url"/> into <paramref name="partial"/>, resuming it when it already holds bytes.</summary>
    /// <returns>The byte the download resumed at (0 for a fresh one).</returns>
    private async Task<long> DownloadAsync(string url, string partial, Action<long, long?>? progress, HttpClient client, CancellationToken ct)
    {
        long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (Size is long size && have > size) have = 0;   // longer than the archive: not a prefix of it
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0 && (Size is null || have == Size))
            return have;   // the partial file is already complete
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException(
                $"Downloading {DataSet} from {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}. " +
                "Check the address (or --download-from), or download the archive yourself into --data-dir.", null, response.StatusCode);
        bool resumed = have > 0 && response.StatusCode == HttpStatusCode.PartialContent
            && response.Content.Headers.ContentRange is { From: long from } && from == have;
        if (!resumed && response.StatusCode == HttpStatusCode.PartialContent)
            throw new HttpRequestException(
                $"Downloading {DataSet} from {url}: the server answered the request for the bytes from {have} on with another range " +
                $"({response.Content.Headers.ContentRange}). Delete '{Path.GetFullPath(partial)}' and run again.");
        if (!resumed) have = 0;   // the server sent the whole file: start over
        long? total = response.Content.Headers.ContentLength is long len ? len + have : Size;
        await using var source = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var target = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 16];
        long got = have;
        int n;
        while ((n = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            got += n;
            progress?.Invoke(got, total);
        }
        return resumed ? have : 0;
    }

    /// <summary>Checks the archive's size and SHA-256; deletes it and fails when either is wrong.</summary>
    private void Verify(string archive)
    {
        long length = new FileInfo(archive).Length;
        string actual;
        using (var stream = File.OpenRead(archive))
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (string.Equals(actual, Sha256, StringComparison.OrdinalIgnoreCase) && (Size is null || length == Size)) return;
        File.Delete(archive);
        throw new InvalidDataException(
            $"Checksum mismatch: '{Path.GetFullPath(archive)}' ({length} bytes) has SHA-256 {actual}, but the {DataSet} archive has {Sha256}" +
            $"{(Size is long s ? $" ({s} bytes)" : "")}. The file was deleted; run again to download it anew " +
            "(a damaged transfer, or a server that sent another file).");
    }

    /// <summary>Unpacks a <c>.tar.gz</c> into <paramref name="dataDir"/> (entries outside it are refused by the tar reader).</summary>
    private void Unpack(string archive, string dataDir)
    {
        try
        {
            using var file = File.OpenRead(archive);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            TarFile.ExtractToDirectory(gzip, dataDir, overwriteFiles: true);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidDataException(
                $"'{Path.GetFullPath(archive)}' has the right checksum but does not unpack as .tar.gz ({e.Message}).", e);
        }
    }

    private static readonly HttpClient SharedClient = new() { Timeout = Timeout.InfiniteTimeSpan };
}
