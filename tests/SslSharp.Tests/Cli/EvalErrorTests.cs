using SslSharp.Runs;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Cli;

/// <summary><c>sslsharp eval</c> given a run folder instead of its checkpoint, and an output it cannot write.</summary>
[Collection("Console")]   // swaps the process-wide AnsiConsole.Console
public class EvalErrorTests
{
    private static (int Code, string Output) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Eval_takes_a_run_folder_and_an_unwritable_out_ends_in_one_line()
    {
        using var temp = new TempDir();
        var run = temp.File("run");
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with { Epochs = 1, WarmupEpochs = 0, BatchSize = 32, Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 } };
        PretrainRunner.Run(config, run, showProgress: false, maxSteps: 1);

        var (ok, _) = Run("eval", "knn", "--checkpoint", run, "--limit", "200", "-k", "5", "--out", temp.File("eval"));
        Assert.Equal(0, ok);
        Assert.True(File.Exists(Path.Combine(temp.File("eval"), "knn.json")));

        File.WriteAllText(temp.File("a-file"), "x");
        var (code, output) = Run("eval", "knn", "--checkpoint", run, "--limit", "200", "-k", "5", "--out", temp.File("a-file"));
        Assert.Equal(1, code);
        Assert.Contains(temp.File("a-file"), output);
        Assert.DoesNotContain("   at ", output);

        var (missing, said) = Run("eval", "knn", "--checkpoint", temp.File("no-run"));
        Assert.Equal(1, missing);
        Assert.Contains("does not exist", said);
    }
}
