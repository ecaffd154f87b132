using System.Diagnostics;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Cli;

/// <summary>
/// The README's install: <c>dotnet pack</c> of this clone, <c>dotnet tool install</c> into a temporary tool path, and the
/// installed <c>sslsharp</c> runs <c>pretrain --epochs 1</c> from another folder (libtorch loads: the packed native
/// library carries the libstdc++ fix) and writes its run folder. Slow: the tool package carries libtorch (~350 MB).
/// </summary>
[Trait("Category", "Slow")]
public class ToolInstallTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "src", "SslSharp.Cli")))
                return dir.FullName;
        throw new InvalidOperationException("The test runs outside a clone of SslSharp.");
    }

    private static (int Code, string Output) Run(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(20))) { process.Kill(entireProcessTree: true); throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 20 minutes"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void Pack_install_and_run_from_another_folder()
    {
        using var temp = new TempDir();
        string packages = temp.File("nupkg"), tools = temp.File("tools"), elsewhere = temp.File("elsewhere");
        Directory.CreateDirectory(elsewhere);
        var (packed, packLog) = Run("dotnet", RepositoryRoot(), "pack", "src/SslSharp.Cli", "-c", "Release", "-o", packages);
        Assert.True(packed == 0, packLog);
        Assert.Contains(Directory.GetFiles(packages), f => Path.GetFileName(f).StartsWith("SslSharp.Cli.", StringComparison.Ordinal));

        var (installed, installLog) = Run("dotnet", elsewhere, "tool", "install", "--tool-path", tools, "--add-source", packages, "SslSharp.Cli");
        Assert.True(installed == 0, installLog);
        var sslsharp = Path.Combine(tools, "sslsharp");

        var (version, said) = Run(sslsharp, elsewhere, "--version");
        Assert.True(version == 0, said);
        var (ran, log) = Run(sslsharp, elsewhere, "pretrain", "--epochs", "1", "--width", "0.25", "--online-probe", "false", "--out", "run", "--quiet");
        Assert.True(ran == 0, log);
        foreach (var file in new[] { "config.yaml", "metrics.csv", "last.ckpt", "summary.md" })
            Assert.True(File.Exists(Path.Combine(elsewhere, "run", file)), $"the installed tool's run folder lacks {file}:\n{log}");
    }
}
