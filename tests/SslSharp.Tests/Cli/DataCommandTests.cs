using System.Formats.Tar;
using System.IO.Compression;
using SkiaSharp;
using SslSharp.Data;
using SslSharp.Tests.Data;
using SslSharp.Tests.Imaging;

namespace SslSharp.Tests.Cli;

/// <summary>
/// <c>sslsharp pretrain</c> end to end on data the tests write: CIFAR-10 files fetched with <c>--download</c> from a
/// local server, and image folders with and without class sub-folders (1 epoch of a tiny ConvNet each).
/// </summary>
[Collection("Console")]   // swaps the process-wide AnsiConsole.Console
public class DataCommandTests
{
    private static readonly string[] Tiny =
        ["--backbone", "convnet", "--width", "0.25", "--epochs", "1", "--batch-size", "32", "--diagnostics-every", "0", "--online-probe", "false"];

    [Fact]
    public void Pretrain_downloads_cifar10_from_a_mirror_and_trains_one_epoch_on_it()
    {
        using var staging = IdxTestFiles.NewDir();
        CifarTests.WriteCifar10(staging.Path, perFile: 4);
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            TarFile.CreateFromDirectory(Path.Combine(staging.Path, Cifar.Cifar10Folder), gz, includeBaseDirectory: true);
        var archive = ms.ToArray();
        using var server = new LocalFileServer(new() { ["cifar-10-binary.tar.gz"] = archive });
        using var data = IdxTestFiles.NewDir();
        using var runs = IdxTestFiles.NewDir();

        // The official checksum does not match the small archive: the download is refused and deleted.
        var (code, output) = CliRunner.Run(["pretrain", "--dataset", "cifar10", "--data-dir", data.Path, "--download", "--download-from", server.BaseUrl,
            "--out", Path.Combine(runs.Path, "refused"), .. Tiny]);
        Assert.Equal(1, code);
        Assert.Contains("Checksum mismatch", output);
        Assert.False(File.Exists(Path.Combine(data.Path, "cifar-10-binary.tar.gz")));

        // The same files unpacked by hand (as a user with the real archive would have them) train.
        CifarTests.WriteCifar10(data.Path, perFile: 44);   // 220 training images: the kNN bank needs k = 200
        (code, output) = CliRunner.Run(["pretrain", "--dataset", "cifar10", "--data-dir", data.Path, "--download",
            "--out", Path.Combine(runs.Path, "run"), .. Tiny]);
        Assert.True(code == 0, output);
        Assert.Contains("already", output);   // nothing fetched
        Assert.Contains("kNN on the held-out set", output);
        Assert.Contains("cifar10", File.ReadAllText(Path.Combine(runs.Path, "run", "summary.md")));
    }

    [Fact]
    public void Pretrain_on_an_unlabelled_folder_skips_knn_and_says_so()
    {
        using var data = IdxTestFiles.NewDir();
        using var runs = IdxTestFiles.NewDir();
        for (int i = 0; i < 40; i++)
            ImageFiles.Write(Path.Combine(data.Path, $"p{i:D2}.png"), 20, 16, (x, y) => new SKColor((byte)(x * 12 + i), (byte)(y * 15), (byte)(i * 20)));
        File.WriteAllBytes(Path.Combine(data.Path, "zero.jpg"), []);

        var (code, output) = CliRunner.Run(["pretrain", "--dataset", "folder", "--data-dir", data.Path, "--image-size", "16", "--grey",
            "--out", Path.Combine(runs.Path, "run"), .. Tiny]);

        Assert.True(code == 0, output);
        Assert.Contains("zero.jpg", output);
        Assert.Contains("1 of 41 image files", output);
        Assert.Contains("skipped: the data set has no labels", output);
        Assert.Contains("kNN and raw-pixel baseline | skipped", File.ReadAllText(Path.Combine(runs.Path, "run", "summary.md")));

        (code, output) = CliRunner.Run(["eval", "knn", "--checkpoint", Path.Combine(runs.Path, "run", "last.ckpt")]);
        Assert.Equal(1, code);
        Assert.Contains("have no labels", output);

        // embed takes every image, labelled or not, and names its file.
        var features = Path.Combine(runs.Path, "f.npy");
        (code, output) = CliRunner.Run(["embed", "--checkpoint", Path.Combine(runs.Path, "run"), "--out", features]);
        Assert.True(code == 0, output);
        var rows = File.ReadAllLines(Path.ChangeExtension(features, ".csv"));
        Assert.Equal("row,split,index,label,class,file", rows[0]);
        Assert.Equal(41, rows.Length);   // 40 readable images (train + held out) and the header
        Assert.All(rows.Skip(1), r => Assert.Contains(",-1,,", r));
        var files = rows.Skip(1).Select(r => Path.GetFileName(r.Split(',')[5])).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"p{i:D2}.png"), files);

        // The report of an unlabelled run: the label-free parts, and notes where labels would be needed.
        (code, output) = CliRunner.Run(["report", Path.Combine(runs.Path, "run"), "--no-decoder"]);
        Assert.True(code == 0, output);
        var report = File.ReadAllText(Path.Combine(runs.Path, "run", "report.md"));
        Assert.Contains("spectrum.png", report);
        Assert.Contains("pca.png", report);   // one grey "unlabelled" cloud
    }

    [Fact]
    public void Pretrain_on_a_folder_with_class_sub_folders_runs_knn_and_strict_stops_at_a_bad_file()
    {
        using var data = IdxTestFiles.NewDir();
        using var runs = IdxTestFiles.NewDir();
        foreach (var (cls, colour) in new[] { ("red", SKColors.Red), ("blue", SKColors.Blue) })
            for (int i = 0; i < 120; i++)   // 240 images, 216 after the held-out 10%: the kNN bank needs k = 200
                ImageFiles.Write(Path.Combine(data.Path, cls, $"{i}.png"), 20, 20, (x, y) => (x + y + i) % 5 == 0 ? SKColors.White : colour);

        var (code, output) = CliRunner.Run(["pretrain", "--dataset", "folder", "--data-dir", data.Path, "--image-size", "16",
            "--out", Path.Combine(runs.Path, "run"), .. Tiny]);
        Assert.True(code == 0, output);
        Assert.Contains("kNN on the held-out set", output);

        File.WriteAllText(Path.Combine(data.Path, "red", "bad.png"), "not a png");
        (code, output) = CliRunner.Run(["pretrain", "--dataset", "folder", "--data-dir", data.Path, "--image-size", "16", "--strict",
            "--out", Path.Combine(runs.Path, "strict"), .. Tiny]);
        Assert.Equal(1, code);
        Assert.Contains("bad.png", output);

        (code, output) = CliRunner.Run(["pretrain", "--dataset", "cifar10", "--image-size", "16", "--out", Path.Combine(runs.Path, "x")]);
        Assert.Equal(1, code);
        Assert.Contains("apply to --dataset folder only", output);

        (code, output) = CliRunner.Run(["pretrain", "--dataset", "folder", "--data-dir", data.Path, "--image-size", "4", "--out", Path.Combine(runs.Path, "y")]);
        Assert.Equal(1, code);
        Assert.Contains("must lie in 8..1024 pixels, got 4", output);
        Assert.False(Directory.Exists(Path.Combine(runs.Path, "y")));
    }
}
