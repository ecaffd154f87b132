using System.Diagnostics;
using System.Text.Json;
using SslSharp.Runs;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Cli;

/// <summary>
/// The real <c>sslsharp</c> process as a script sees it: <c>--version</c>; <c>--json</c> puts exactly one JSON document
/// on stdout (read back here and, where it is installed, by <c>jq</c>) and everything else on stderr; <c>--quiet</c>
/// prints nothing but errors, on stderr.
/// </summary>
public class ScriptOutputTests
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "SslSharp.Cli.dll");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Cli);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(180)), "sslsharp did not finish in 3 minutes");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs <c>jq -e FILTER</c> on <paramref name="json"/>; null when jq is not installed.</summary>
    private static bool? Jq(string json, string filter)
    {
        if (!File.Exists("/usr/bin/jq") && !File.Exists("/usr/local/bin/jq")) return null;
        var start = new ProcessStartInfo("jq") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(filter);
        using var process = Process.Start(start)!;
        process.StandardInput.Write(json);
        process.StandardInput.Close();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    [Fact]
    public void Version_prints_the_package_version()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        var expected = typeof(SslSharp.Cli.Program).Assembly.GetName().Version!;
        Assert.StartsWith($"{expected.Major}.{expected.Minor}.{expected.Build}", output.Trim());
    }

    [Fact]
    public void Methods_json_is_one_document_on_stdout()
    {
        var (code, output, _) = Run("methods", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);   // throws if anything but the document is on stdout
        var names = doc.RootElement.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("name").GetString()!).ToList();
        Assert.Equal(SslSharp.Methods.MethodRegistry.Names, names);
        Assert.NotEqual(false, Jq(output, $".methods | length == {names.Count}"));

        var (one, dino, _) = Run("methods", "dino", "--json");
        Assert.Equal(0, one);
        using var d = JsonDocument.Parse(dino);
        Assert.Contains(d.RootElement.GetProperty("settings").EnumerateArray(), s => s.GetProperty("name").GetString() == "teacher_temp");

        var (bad, nothing, error) = Run("methods", "nope", "--json");
        Assert.Equal(1, bad);
        Assert.Equal("", nothing);
        Assert.Contains("Unknown method 'nope'", error);
    }

    [Fact]
    public void Eval_json_and_quiet_keep_stdout_for_the_result()
    {
        using var temp = new TempDir();
        var run = temp.File("run");
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
        {
            Epochs = 1, WarmupEpochs = 0, BatchSize = 32, Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
        };
        PretrainRunner.Run(config, run, showProgress: false, maxSteps: 1);

        var (code, output, err) = Run("eval", "knn", "--checkpoint", run, "--limit", "200", "-k", "5", "--json", "--out", temp.File("eval"));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(File.ReadAllText(Path.Combine(temp.File("eval"), "knn.json")).Trim(), output.Trim());
        Assert.Contains("wrote", err);   // the human lines went to stderr
        Assert.NotEqual(false, Jq(output, "type == \"object\""));

        var (quiet, said, errors) = Run("eval", "knn", "--checkpoint", run, "--limit", "200", "-k", "5", "--quiet", "--out", temp.File("quiet"));
        Assert.Equal(0, quiet);
        Assert.Equal("", said);
        Assert.Equal("", errors);
        Assert.True(File.Exists(Path.Combine(temp.File("quiet"), "knn.json")));

        var (failed, none, why) = Run("eval", "knn", "--checkpoint", temp.File("no-run"), "--quiet");
        Assert.Equal(1, failed);
        Assert.Equal("", none);
        Assert.Contains("does not exist", why);
    }
}
