using System.Diagnostics;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Cli;

/// <summary>
/// The real <c>sslsharp</c> process (its own command line, its own console): a signal stops it after the current step with
/// exit 130 for SIGINT and 143 for SIGTERM (128 + the signal's number), as shells and job schedulers expect; a bad value
/// names its option; an error is one line unless <c>--verbose</c> asks for the stack trace.
/// </summary>
public class ProcessExitTests
{
    /// <summary>Starts the real <c>sslsharp</c> process with <paramref name="args"/>, collecting stdout and stderr; the event
    /// is set at the first stdout line containing <paramref name="startedWhen"/>.</summary>
    private static (Process Process, System.Text.StringBuilder Output, ManualResetEventSlim Started) StartCli(string startedWhen, params string[] args)
    {
        // Through env(1) with SIGINT and SIGTERM reset to their defaults: a test host started in the background by a
        // non-interactive shell inherits SIGINT ignored, and .NET keeps an inherited SIG_IGN, so the process would never
        // see the Ctrl-C this test sends.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--default-signal=INT,TERM");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SslSharp.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var started = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.Contains(startedWhen, StringComparison.Ordinal)) started.Set();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output, started);
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public void A_signal_stops_pretrain_with_its_exit_code(string signal, int expected)
    {
        using var temp = new TempDir();
        var (process, output, started) = StartCli("run folder:", "pretrain", "--epochs", "1", "--width", "0.25", "--online-probe", "false", "--out", temp.File("run"));
        using var _ = process;
        try
        {
            Assert.True(started.Wait(TimeSpan.FromSeconds(120)), $"pretrain did not start:\n{output}");
            using (var kill = Process.Start("kill", $"-{signal} {process.Id}")) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), $"pretrain did not stop on SIG{signal}:\n{output}");
            process.WaitForExit();   // drain the output
            Assert.True(process.ExitCode == expected, $"SIG{signal}: exit {process.ExitCode}, expected {expected}\n{output}");
            Assert.Contains("stop", output.ToString());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void A_signal_ends_an_evaluation_at_once()
    {
        // An evaluation does not watch the cancellation token: a SIGTERM that only requested a stop left 'eval finetune'
        // running to its end, so the signal must keep its default effect there.
        using var temp = new TempDir();
        // The checkpoint comes from a CLI process too: training in this test process would draw from torch's global
        // generator while parallel test classes use it.
        var (pretrain, log, _) = StartCli("run folder:", "pretrain", "--epochs", "1", "--max-steps", "1", "--width", "0.25", "--online-probe", "false",
            "--diagnostics-every", "0", "--out", temp.File("run"));
        using (pretrain)
        {
            Assert.True(pretrain.WaitForExit(TimeSpan.FromSeconds(180)), $"pretrain did not finish:\n{log}");
            pretrain.WaitForExit();
            Assert.True(pretrain.ExitCode == 0, $"pretrain failed:\n{log}");
        }
        var (process, output, started) = StartCli("fine-tuning", "eval", "finetune", "--checkpoint", Path.Combine(temp.File("run"), "last.ckpt"), "--epochs", "200", "--out", temp.File("eval"));
        using var _ = process;
        try
        {
            Assert.True(started.Wait(TimeSpan.FromSeconds(120)), $"eval finetune did not start:\n{output}");
            using (var kill = Process.Start("kill", $"-TERM {process.Id}")) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), $"eval finetune still runs 30 s after SIGTERM:\n{output}");
            process.WaitForExit();
            Assert.NotEqual(0, process.ExitCode);
            Assert.False(File.Exists(Path.Combine(temp.File("eval"), "finetune.json")), "the evaluation finished instead of stopping");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task A_value_that_does_not_convert_names_its_option_from_the_real_command_line()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "SslSharp.Cli.dll"), "pretrain", "--epochs", "abc" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("--epochs takes a finite number (or true/false for a switch), got 'abc'.", output.Replace("\n", " "));
        Assert.DoesNotContain("   at ", output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_error_is_one_line_and_verbose_adds_its_stack_trace(bool verbose)
    {
        using var temp = new TempDir();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "SslSharp.Cli.dll"), "pretrain", "--set", "no_such_setting=1", "--out", temp.File("run") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (verbose) start.ArgumentList.Add("--verbose");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("no_such_setting", output);
        Assert.Equal(verbose, output.Contains(" at ", StringComparison.Ordinal));
    }
}
