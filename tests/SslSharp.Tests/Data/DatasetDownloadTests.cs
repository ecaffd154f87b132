using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using SslSharp.Data;

namespace SslSharp.Tests.Data;

/// <summary>Download, resume, checksum and unpack of the official archives, served from 127.0.0.1 (no test touches the internet).</summary>
public class DatasetDownloadTests
{
    /// <summary>A .tar.gz holding cifar-10-batches-bin with a few records per file, as the official archive is laid out.</summary>
    private static byte[] Cifar10Archive()
    {
        using var staging = IdxTestFiles.NewDir();
        CifarTests.WriteCifar10(staging.Path);
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, Cifar.Cifar10Folder + "/"));
            foreach (var f in Directory.GetFiles(Path.Combine(staging.Path, Cifar.Cifar10Folder)).Order(StringComparer.Ordinal))
                tar.WriteEntry(f, $"{Cifar.Cifar10Folder}/{Path.GetFileName(f)}");
        }
        return ms.ToArray();
    }

    private static DatasetDownload For(byte[] archive) =>
        DatasetDownload.Cifar10 with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(archive)), Size = archive.Length };

    [Fact]
    public void A_complete_download_is_checked_unpacked_and_then_found_in_place()
    {
        var archive = Cifar10Archive();
        using var server = new LocalFileServer(new() { ["cifar-10-binary.tar.gz"] = archive });
        using var dir = IdxTestFiles.NewDir();
        long? lastTotal = null;

        var said = For(archive).Fetch(dir.Path, server.BaseUrl, (got, total) => lastTotal = total);

        Assert.Contains("downloaded", said);
        Assert.Equal(archive.Length, lastTotal);
        Assert.Equal(new string?[] { null }, server.Ranges);
        Assert.Equal(archive, File.ReadAllBytes(Path.Combine(dir.Path, "cifar-10-binary.tar.gz")));
        var (train, test) = DatasetCatalog.Load("cifar10", dir.Path);
        using (train) using (test)
        {
            Assert.Equal(10, train.Count);
            Assert.Equal(200, test.Images[0, 0, 2, 5].item<byte>());
        }
        Assert.Contains("already", For(archive).Fetch(dir.Path, server.BaseUrl));
        Assert.Single(server.Ranges);   // no second request
    }

    [Fact]
    public void A_partial_file_is_resumed_with_a_range_request()
    {
        var archive = Cifar10Archive();
        using var server = new LocalFileServer(new() { ["cifar-10-binary.tar.gz"] = archive });
        using var dir = IdxTestFiles.NewDir();
        File.WriteAllBytes(Path.Combine(dir.Path, "cifar-10-binary.tar.gz" + DatasetDownload.PartialSuffix), archive[..(archive.Length / 2)]);

        var said = For(archive).Fetch(dir.Path, server.BaseUrl);

        Assert.Contains("resumed the download", said);
        Assert.Contains($"at byte {archive.Length / 2}", said);
        Assert.Equal(new[] { $"bytes={archive.Length / 2}-" }, server.Ranges);
        Assert.Equal(archive, File.ReadAllBytes(Path.Combine(dir.Path, "cifar-10-binary.tar.gz")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "cifar-10-binary.tar.gz" + DatasetDownload.PartialSuffix)));
        Assert.True(File.Exists(Path.Combine(dir.Path, Cifar.Cifar10Folder, "data_batch_5.bin")));
    }

    [Fact]
    public void A_server_that_ignores_the_range_gets_the_whole_file_written_anew()
    {
        var archive = Cifar10Archive();
        using var server = new LocalFileServer(new() { ["cifar-10-binary.tar.gz"] = archive }) { HonourRange = false };
        using var dir = IdxTestFiles.NewDir();
        File.WriteAllBytes(Path.Combine(dir.Path, "cifar-10-binary.tar.gz" + DatasetDownload.PartialSuffix), archive[..(archive.Length / 2)]);

        var said = For(archive).Fetch(dir.Path, server.BaseUrl);

        Assert.StartsWith("downloaded", said);
        Assert.Equal(archive, File.ReadAllBytes(Path.Combine(dir.Path, "cifar-10-binary.tar.gz")));
    }

    [Fact]
    public void A_checksum_mismatch_deletes_the_file_and_says_so()
    {
        var archive = Cifar10Archive();
        using var server = new LocalFileServer(new() { ["cifar-10-binary.tar.gz"] = archive });
        using var dir = IdxTestFiles.NewDir();

        // The official checksum: the small archive served here is not the real one.
        var e = Assert.Throws<InvalidDataException>(() => DatasetDownload.Cifar10.Fetch(dir.Path, server.BaseUrl));

        Assert.Contains("Checksum mismatch", e.Message);
        Assert.Contains(DatasetDownload.Cifar10.Sha256, e.Message);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(archive)), e.Message);
        Assert.Contains("was deleted", e.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "cifar-10-binary.tar.gz")));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, Cifar.Cifar10Folder)));
    }

    [Fact]
    public void A_missing_file_on_the_server_names_the_address_and_the_status()
    {
        using var server = new LocalFileServer([]);
        using var dir = IdxTestFiles.NewDir();

        var e = Assert.Throws<HttpRequestException>(() => DatasetDownload.Stl10.Fetch(dir.Path, server.BaseUrl));

        Assert.Contains(server.BaseUrl + "stl10_binary.tar.gz", e.Message);
        Assert.Contains("404", e.Message);
    }

    [Fact]
    public void The_official_archives_are_described_with_their_checksums()
    {
        Assert.Equal("cifar-10-binary.tar.gz", DatasetDownload.Cifar10.FileName);
        Assert.Equal("cifar-100-binary.tar.gz", DatasetDownload.Cifar100.FileName);
        Assert.Equal("stl10_binary.tar.gz", DatasetDownload.Stl10.FileName);
        foreach (var d in new[] { DatasetDownload.Cifar10, DatasetDownload.Cifar100, DatasetDownload.Stl10 })
            Assert.Matches("^[0-9a-f]{64}$", d.Sha256);
        Assert.Same(DatasetDownload.Cifar10, DatasetCatalog.Find("cifar10").Download);
        Assert.Same(DatasetDownload.Stl10, DatasetCatalog.Find("stl10-unlabeled").Download);
        Assert.Null(DatasetCatalog.Find("fashion-mnist").Download);
    }
}
