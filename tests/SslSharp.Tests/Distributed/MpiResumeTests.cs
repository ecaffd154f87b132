using SslSharp.Tests.Training;
using SslSharp.Training;

namespace SslSharp.Tests.Distributed;

/// <summary>
/// Resuming a data-parallel run with another number of processes (tests/SslSharp.MpiWorker <c>train2</c>, <c>train6</c>,
/// <c>resume6</c>: SimCLR trained by the Trainer on 64 images, global batch 16, 4 steps per epoch, views without randomness).
/// </summary>
/// <remarks>
/// "The same run" here means: the resumed run ends at the same step count as an uninterrupted one, with the same
/// global batch (16 images per step), and with the parameters of the uninterrupted one-process run (1e-5 relative;
/// only the float32 summation order differs), which holds only if every step after the resume saw the same global
/// batch at the same position of the same epoch order, the same learning rate and the restored optimizer state.
/// </remarks>
public class MpiResumeTests
{
    [MpiFact]
    public void A_run_checkpointed_by_two_processes_resumes_on_one_and_one_on_two_as_the_uninterrupted_run()
    {
        using var dir = new TempDir();
        string Sub(string name) => Path.Combine(dir.Path, name);
        var reference = Single(MpiRun.Run("train6", 0, Sub("one6")));
        Assert.Equal([6], reference["steps"]);

        // 2 processes for 2 steps, then 1 process to step 6 (across the epoch boundary at step 4).
        var twoSteps = MpiRun.Run("train2", 2, Sub("two2"));
        Assert.True(twoSteps.ExitCode == 0, twoSteps.Output);
        string checkpoint = Path.Combine(Sub("two2"), "run", Checkpoint.LastFileName);
        var info = Checkpoint.ReadInfo(checkpoint);
        Assert.Equal(2, info.Step);
        Assert.Equal(16, info.GlobalBatchSize);
        Assert.Equal(2, info.WorldSize);
        Directory.CreateDirectory(Sub("resume1"));
        File.Copy(checkpoint, Path.Combine(Sub("resume1"), "from.ckpt"));
        AssertSameRun(reference, Single(MpiRun.Run("resume6", 0, Sub("resume1"))));

        // 1 process for 2 steps, then 2 processes to step 6.
        var oneTwo = Single(MpiRun.Run("train2", 0, Sub("one2")));
        Assert.Equal([2], oneTwo["steps"]);
        Directory.CreateDirectory(Sub("resume2"));
        File.Copy(Path.Combine(Sub("one2"), "run", Checkpoint.LastFileName), Path.Combine(Sub("resume2"), "from.ckpt"));
        var two = MpiRun.Run("resume6", 2, Sub("resume2"));
        Assert.True(two.ExitCode == 0, two.Output);
        Assert.Equal(2, two.Ranks.Count);
        foreach (var rank in two.Ranks) AssertSameRun(reference, rank);
    }

    [MpiFact]
    public void Two_processes_log_the_loss_of_the_global_batch_as_one_process_does()
    {
        using var dir = new TempDir();
        Assert.Equal([6], Single(MpiRun.Run("train6", 0, Path.Combine(dir.Path, "one")))["steps"]);
        var two = MpiRun.Run("train6", 2, Path.Combine(dir.Path, "two"));
        Assert.True(two.ExitCode == 0, two.Output);
        var expected = LoggedLosses(Path.Combine(dir.Path, "one", "run"));
        var actual = LoggedLosses(Path.Combine(dir.Path, "two", "run"));
        Assert.Equal(6, expected.Length);
        Assert.Equal(expected.Length, actual.Length);
        // Each process's own loss covers half the batch and differs from the whole batch's by far more than this.
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Abs(expected[i]), $"step {i + 1}: one process logged {expected[i]}, two logged {actual[i]}");
    }

    private static double[] LoggedLosses(string runDirectory) =>
        File.ReadAllLines(Path.Combine(runDirectory, "metrics.csv")).Skip(1)
            .Select(line => double.Parse(line.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [MpiFact]
    public void Resuming_with_another_global_batch_fails_naming_both()
    {
        using var dir = new TempDir();
        var twoSteps = MpiRun.Run("train2", 2, Path.Combine(dir.Path, "two2"));
        Assert.True(twoSteps.ExitCode == 0, twoSteps.Output);
        string resume = Path.Combine(dir.Path, "resume");
        Directory.CreateDirectory(resume);
        File.Copy(Path.Combine(dir.Path, "two2", "run", Checkpoint.LastFileName), Path.Combine(resume, "from.ckpt"));
        var run = MpiRun.Run("resume6-batch8", 0, resume);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("global batch of 16 images per step (2 process(es)) but this run has 8", run.Output);
    }

    private static Dictionary<string, double[]> Single(MpiRun.Result run)
    {
        Assert.True(run.ExitCode == 0, run.Output);
        return Assert.Single(run.Ranks);
    }

    private static void AssertSameRun(Dictionary<string, double[]> expected, Dictionary<string, double[]> actual)
    {
        Assert.Equal([6], actual["steps"]);
        Assert.Equal([16], actual["global.batch"]);
        int compared = 0;
        foreach (var (name, values) in expected.Where(kv => kv.Key.StartsWith("param.", StringComparison.Ordinal)))
        {
            var got = actual[name];
            Assert.Equal(values.Length, got.Length);
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(values[i] - got[i]) <= 1e-5 * (1 + Math.Abs(values[i])), $"{name}[{i}]: expected {values[i]}, got {got[i]}");
            compared++;
        }
        Assert.True(compared >= 10, $"only {compared} parameters compared");
    }
}
