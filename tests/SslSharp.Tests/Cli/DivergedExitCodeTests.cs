using SslSharp.Tests.Training;

namespace SslSharp.Tests.Cli;

/// <summary>
/// A run whose loss becomes NaN exits 2 with the trainer's message (step, learning rate, what to do), not with a
/// follow-on error of the end-of-run evaluation, and no stack trace.
/// </summary>
[Collection("Console")]   // swaps the process-wide AnsiConsole.Console
public class DivergedExitCodeTests
{
    [Fact]
    public void A_diverging_run_exits_2_naming_the_step_and_the_learning_rate()
    {
        using var temp = new TempDir();
        var (code, output) = CliRunner.Run("pretrain", "--lr", "1e30", "--warmup-epochs", "0", "--epochs", "1", "--width", "0.25",
            "--online-probe", "false", "--out", temp.File("run"));
        Assert.True(code == 2, $"exit {code}\n{output}");
        Assert.Matches(@"error: The loss became (NaN|-?∞|-?Infinity) at step \d+", output);
        Assert.Contains("Lower the learning rate", output);
        Assert.DoesNotContain("bankFeatures", output);
        Assert.DoesNotContain("   at ", output);
    }
}
