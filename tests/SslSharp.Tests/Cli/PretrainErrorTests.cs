using System.Security.Cryptography;
using SslSharp.Cli;
using SslSharp.Runs;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Cli;

/// <summary>
/// <c>sslsharp pretrain</c> with bad or contradictory options: exit code 1, one line naming the cause and what to do,
/// and an existing run folder left byte-identical. A finished run resumed again is left as it is.
/// </summary>
[Collection("Console")]   // swaps the process-wide AnsiConsole.Console
public class PretrainErrorTests
{
    private static (int Code, string Output) Run(params string[] args) => CliRunner.Run(args);

    private static string Fingerprint(string folder) => string.Join("\n",
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(folder, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));

    /// <summary>A finished 2-epoch run of 14 steps (batch 1024 on the 8,000 embedded images).</summary>
    private static void FinishedRun(string folder)
    {
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
        {
            Epochs = 2, WarmupEpochs = 0, BatchSize = 1024, Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 }, DiagnosticsEvery = 0, OnlineProbe = false,
        };
        PretrainRunner.Run(config, folder, showProgress: false);
    }

    [Theory]
    [InlineData("--lr nan", "--lr must be a positive number, got NaN")]
    [InlineData("--width -1", "--width must be a positive number")]
    [InlineData("--warmup-epochs nan", "--warmup-epochs must be 0 or a positive number")]
    [InlineData("--device gpu", "--device must be cpu, cuda or cuda:N, got 'gpu'")]
    [InlineData("--data-dir /tmp", "--data-dir has no effect on the built-in data set")]
    [InlineData("--set no_such_setting=1", "does not understand the setting(s) 'no_such_setting'")]
    public void Bad_options_exit_1_with_one_line_and_write_nothing(string options, string message)
    {
        using var temp = new TempDir();
        var (code, output) = Run(["pretrain", .. options.Split(' '), "--out", temp.File("run")]);
        Assert.Equal(1, code);
        Assert.Contains(message, output);
        Assert.DoesNotContain("   at ", output);   // no stack trace
        Assert.False(Directory.Exists(temp.File("run")) && Directory.EnumerateFileSystemEntries(temp.File("run")).Any(),
            "a refused command left files in the run folder");
    }

    [Fact]
    public void A_conversion_error_names_the_option()
    {
        Assert.Equal("--epochs takes a finite number (or true/false for a switch), got 'abc'.",
            Program.Explain("Failed to convert 'abc' to Nullable`1.", ["pretrain", "--epochs", "abc"]));
        Assert.Equal("--lr takes a finite number (or true/false for a switch), got 'inf'.",
            Program.Explain("Failed to convert 'inf' to Nullable`1.", ["pretrain", "--lr=inf"]));
        Assert.Equal("something else", Program.Explain("something else", ["pretrain"]));
    }

    [Fact]
    public void Resume_refuses_contradictions_leaves_a_finished_run_as_it_is_and_takes_a_run_folder()
    {
        using var temp = new TempDir();
        var run = temp.File("run");
        FinishedRun(run);
        var before = Fingerprint(run);

        foreach (var (args, message) in new[]
        {
            (new[] { "--method", "byol" }, "--method cannot be combined with --resume"),
            (new[] { "--dataset", "fashion-mnist" }, "--dataset cannot be combined with --resume"),
            (new[] { "--overwrite" }, "--overwrite and --resume contradict each other"),
            (new[] { "--epochs", "3", "--width", "0.5" }, "--width cannot be combined with --resume"), // the checkpoint's shapes would not fit
            (new[] { "--backbone", "resnet18" }, "--backbone cannot be combined with --resume"),
            (new[] { "--set", "backbone.drop_path_rate=0.1" }, "--set backbone.drop_path_rate=0.1 cannot be combined with --resume"),
            (new[] { "--epochs", "3", "--batch-size", "512" }, "steps per epoch"),
            (new[] { "--epochs", "1" }, "--epochs 1 is fewer than the 2 epochs the run"),
        })
        {
            var (code, output) = Run(["pretrain", "--resume", run, .. args]);
            Assert.True(code == 1, $"{string.Join(' ', args)}: exit {code}\n{output}");
            Assert.Contains(message, output);
            Assert.Equal(before, Fingerprint(run));
        }

        var other = temp.File("other");                                          // another run's folder is never written by a resume
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "last.ckpt"), "another run");
        var otherBefore = Fingerprint(other);
        var (into, intoSaid) = Run("pretrain", "--resume", run, "--epochs", "3", "--out", other);
        Assert.True(into == 1, $"resume into another run's folder: exit {into}\n{intoSaid}");
        Assert.Contains("already holds files", intoSaid);
        Assert.Equal(otherBefore, Fingerprint(other));

        var (done, said) = Run("pretrain", "--resume", run);                    // a folder stands for its last.ckpt
        Assert.Equal(0, done);
        Assert.Contains("is finished (2 epochs, 14 steps); nothing was changed", said);
        Assert.Equal(before, Fingerprint(run));
    }

    [Fact]
    public void Files_where_folders_belong_a_damaged_download_and_an_empty_report_folder_end_in_one_line()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("a-file"), "x");
        var data = Directory.CreateDirectory(temp.File("data")).FullName;
        foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            File.WriteAllText(Path.Combine(data, name + ".gz"), "<html>404 Not Found</html>");   // a failed download
        var empty = Directory.CreateDirectory(temp.File("empty")).FullName;

        foreach (var (args, message) in new[]
        {
            (new[] { "pretrain", "--out", temp.File("a-file") }, "is a file, not a folder"),
            (new[] { "pretrain", "--dataset", "fashion-mnist", "--data-dir", temp.File("a-file"), "--out", temp.File("r1") }, "is a file; --data-dir names the folder"),
            (new[] { "pretrain", "--dataset", "fashion-mnist", "--data-dir", data, "--out", temp.File("r2") }, "ends in .gz but is not gzip data"),
            (new[] { "report", empty }, "holds no run: neither metrics.csv nor last.ckpt"),
        })
        {
            var (code, output) = Run(args);
            Assert.True(code == 1, $"{string.Join(' ', args)}: exit {code}\n{output}");
            Assert.Contains(message, output);
            Assert.DoesNotContain("   at ", output);
        }
        Assert.False(Directory.Exists(temp.File("r1")) || Directory.Exists(temp.File("r2")), "a failed run left a run folder");
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }
}
