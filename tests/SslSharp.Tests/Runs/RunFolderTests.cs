using System.Security.Cryptography;
using SslSharp.Cli;
using SslSharp.Runs;
using SslSharp.Tests.Training;
using Spectre.Console.Cli;

namespace SslSharp.Tests.Runs;

/// <summary>A new run never writes over an earlier one: <see cref="RunFolder"/> and <c>sslsharp pretrain --out</c>.</summary>
public class RunFolderTests
{
    private static string Fingerprint(string folder) => string.Join("\n",
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(folder, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));

    [Fact]
    public void A_folder_that_holds_files_is_refused_and_left_byte_identical()
    {
        using var temp = new TempDir();
        var run = Directory.CreateDirectory(temp.File("run")).FullName;
        File.WriteAllText(Path.Combine(run, "last.ckpt"), "an earlier run's checkpoint");
        File.WriteAllText(Path.Combine(run, "config.yaml"), "method: simclr\n");
        var before = Fingerprint(run);

        var e = Assert.Throws<ArgumentException>(() => RunFolder.Claim(run, temp.File("default")));

        Assert.Contains("already holds files (config.yaml, last.ckpt)", e.Message);
        Assert.Contains("--resume", e.Message);
        Assert.Contains("--overwrite", e.Message);
        Assert.Equal(before, Fingerprint(run));
    }

    [Fact]
    public void Overwrite_empties_the_folder_and_an_empty_or_missing_folder_is_taken_as_it_is()
    {
        using var temp = new TempDir();
        var run = Directory.CreateDirectory(temp.File("run")).FullName;
        Directory.CreateDirectory(Path.Combine(run, "tensorboard"));
        File.WriteAllText(Path.Combine(run, "tensorboard", "events.out"), "old events");

        Assert.Equal(run, RunFolder.Claim(run, temp.File("default"), overwrite: true));
        Assert.Empty(Directory.EnumerateFileSystemEntries(run));
        Assert.Equal(run, RunFolder.Claim(run, temp.File("default")));
        Assert.Equal(temp.File("new"), RunFolder.Claim(temp.File("new"), temp.File("default")));
        Assert.True(Directory.Exists(temp.File("new")));
    }

    [Fact]
    public void A_file_named_as_the_folder_is_refused()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("a-file"), "x");
        var e = Assert.Throws<ArgumentException>(() => RunFolder.Claim(temp.File("a-file"), temp.File("default")));
        Assert.Contains("is a file, not a folder", e.Message);
    }

    [Fact]
    public void Runs_started_at_once_with_the_same_default_name_get_distinct_folders()
    {
        using var temp = new TempDir();
        for (int round = 0; round < 10; round++)
        {
            var runs = Path.Combine(temp.Path, $"runs{round}");
            var basePath = Path.Combine(runs, "simclr-fashion-mnist-embedded-20261206-203000");
            var claimed = new string[16];
            Parallel.For(0, claimed.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i => claimed[i] = RunFolder.Claim(null, basePath));

            Assert.Equal(claimed.Length, claimed.Distinct().Count());
            Assert.Contains(basePath, claimed);
            Assert.All(claimed, c => Assert.True(File.Exists(Path.Combine(c, RunFolder.MarkerFile))));
            Assert.Equal(claimed.Length, Directory.GetDirectories(runs).Length);   // no staging folder left
        }
    }

    [Fact]
    public void Pretrain_with_an_out_that_holds_a_run_exits_1_and_changes_nothing()
    {
        using var temp = new TempDir();
        var run = Directory.CreateDirectory(temp.File("run")).FullName;
        File.WriteAllText(Path.Combine(run, "last.ckpt"), "an earlier run's checkpoint");
        var before = Fingerprint(run);
        var app = new CommandApp();
        app.Configure(Program.Configure);

        int code = app.Run(new[] { "pretrain", "--epochs", "1", "--out", run });

        Assert.Equal(1, code);
        Assert.Equal(before, Fingerprint(run));
    }
}
