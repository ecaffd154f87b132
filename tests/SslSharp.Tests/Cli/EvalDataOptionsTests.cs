using System.Formats.Tar;
using System.IO.Compression;
using SkiaSharp;
using SslSharp.Data;
using SslSharp.Runs;
using SslSharp.Tests.Data;
using SslSharp.Tests.Imaging;

namespace SslSharp.Tests.Cli;

/// <summary>
/// The data options of the eval commands: a folder is decoded at the size and colour the checkpoint trained at unless
/// <c>--image-size</c> says otherwise, and <c>--download</c> fetches the data set first, as pretrain's does.
/// </summary>
[Collection("Console")]   // swaps the process-wide AnsiConsole.Console
public class EvalDataOptionsTests
{
    [Fact]
    public void The_evaluation_size_is_the_option_else_the_trained_size_and_grey_follows_the_trained_channels()
    {
        var embedded = PretrainDefaults.For("simclr", FashionMnist.EmbeddedName);
        Assert.Equal(28, CheckpointEvaluator.EvaluationConfig(embedded, ImageFolder.Name, null).ImageSize);
        Assert.True(CheckpointEvaluator.EvaluationConfig(embedded, ImageFolder.Name, null).Grey);
        Assert.Equal(16, CheckpointEvaluator.EvaluationConfig(embedded, ImageFolder.Name, 16).ImageSize);

        var cifar = PretrainDefaults.For("simclr", Cifar.Cifar10Name);
        Assert.Equal(32, CheckpointEvaluator.EvaluationConfig(cifar, ImageFolder.Name, null).ImageSize);
        Assert.False(CheckpointEvaluator.EvaluationConfig(cifar, ImageFolder.Name, null).Grey);

        var folder = PretrainDefaults.For("simclr", ImageFolder.Name) with { ImageSize = 40, Grey = true };
        Assert.Equal(40, CheckpointEvaluator.EvaluationConfig(folder, null, null).ImageSize);
        Assert.True(CheckpointEvaluator.EvaluationConfig(folder, null, null).Grey);
        Assert.Null(CheckpointEvaluator.EvaluationConfig(PretrainDefaults.For("simclr", ImageFolder.Name), null, null).ImageSize);   // the folder default

        var e = Assert.Throws<ArgumentException>(() => CheckpointEvaluator.EvaluationConfig(embedded, Cifar.Cifar10Name, 16));
        Assert.Contains("--image-size applies to --dataset folder only", e.Message);
    }

    [Fact]
    public void Eval_reads_a_colour_folder_for_a_grey_28_px_checkpoint_takes_image_size_and_downloads()
    {
        using var runs = IdxTestFiles.NewDir();
        var config = PretrainDefaults.For("simclr", FashionMnist.EmbeddedName) with
        {
            Epochs = 1, WarmupEpochs = 0, BatchSize = 32, DiagnosticsEvery = 0, OnlineProbe = false,
            Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
        };
        PretrainRunner.Run(config, runs.Path, showProgress: false, maxSteps: 1);
        string ckpt = Path.Combine(runs.Path, "last.ckpt");
        using var data = IdxTestFiles.NewDir();
        foreach (var (cls, colour) in new[] { ("red", SKColors.Red), ("blue", SKColors.Blue) })
            for (int i = 0; i < 20; i++)
                ImageFiles.Write(Path.Combine(data.Path, cls, $"{i}.png"), 24, 20, (x, y) => (x + y + i) % 4 == 0 ? SKColors.White : colour);

        // Grey at 28 px by default (a colour decode would not fit the one-channel stem).
        var (code, output) = CliRunner.Run(["eval", "knn", "--checkpoint", ckpt, "--dataset", "folder", "--data-dir", data.Path, "-k", "5",
            "--out", Path.Combine(runs.Path, "e1")]);
        Assert.True(code == 0, output);
        (code, output) = CliRunner.Run(["embed", "--checkpoint", ckpt, "--dataset", "folder", "--data-dir", data.Path, "--image-size", "16",
            "--out", Path.Combine(runs.Path, "f.npy")]);
        Assert.True(code == 0, output);
        Assert.Equal(41, File.ReadAllLines(Path.Combine(runs.Path, "f.csv")).Length);

        // eval decoder too (it once decoded the folder at the folder default, in colour, and failed loading the stem's weights);
        // on a validation split its files take "_val" and leave the test-set ones alone.
        var d = Path.Combine(runs.Path, "d");
        (code, output) = CliRunner.Run(["eval", "decoder", "--checkpoint", ckpt, "--dataset", "folder", "--data-dir", data.Path, "--epochs", "1",
            "--out", d]);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(d, "reconstructions.png")));
        (code, output) = CliRunner.Run(["eval", "decoder", "--checkpoint", ckpt, "--dataset", "folder", "--data-dir", data.Path, "--epochs", "1",
            "--val-split", "10", "--out", d]);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(d, "reconstructions_val.png")));
        var valJson = File.ReadAllText(Path.Combine(d, "decoder_val.json"));
        Assert.Contains("validation split: 10", valJson);
        Assert.Contains("\"grid\": \"reconstructions_val.png\"", valJson);
        Assert.Contains("\"test split\"", File.ReadAllText(Path.Combine(d, "decoder.json")));

        (code, output) = CliRunner.Run(["eval", "knn", "--checkpoint", ckpt, "--image-size", "16"]);
        Assert.Equal(1, code);
        Assert.Contains("--image-size applies to --dataset folder only", output);

        // --download fetches before evaluating: the small archive fails the official checksum and is deleted.
        using var staging = IdxTestFiles.NewDir();
        CifarTests.WriteCifar10(staging.Path, perFile: 2);
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            TarFile.CreateFromDirectory(Path.Combine(staging.Path, Cifar.Cifar10Folder), gz, includeBaseDirectory: true);
        using var server = new LocalFileServer(new() { ["cifar-10-binary.tar.gz"] = ms.ToArray() });
        using var cifarDir = IdxTestFiles.NewDir();
        (code, output) = CliRunner.Run(["eval", "linear", "--checkpoint", ckpt, "--dataset", "cifar10", "--data-dir", cifarDir.Path,
            "--download", "--download-from", server.BaseUrl]);
        Assert.Equal(1, code);
        Assert.Contains("Checksum mismatch", output);
        Assert.False(File.Exists(Path.Combine(cifarDir.Path, "cifar-10-binary.tar.gz")));
    }
}
