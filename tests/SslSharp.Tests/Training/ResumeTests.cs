using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>
/// Resume equivalence. Runs alone: the stand-in method's dropout draws from torch's global generator,
/// which tests running in parallel would also draw from.
/// </summary>
[Collection("TrainerSerial")]
public class ResumeTests
{
    private static TrainerOptions Options(string optimizer) => TrainerTests.Options(optimizer);

    [Theory]
    [InlineData("sgd", 6)]
    [InlineData("adamw", 6)]
    [InlineData("lars", 6)]
    [InlineData("lars", 4)] // stopped exactly at an epoch boundary
    public void Resumed_run_reproduces_the_straight_run_exactly(string optimizer, int stopAt)
    {
        using var dir = new TempDir();
        var options = Options(optimizer);

        // Straight: 12 steps.
        List<double> straight;
        Dictionary<string, float[]> straightWeights;
        using (var data = new StandInBatchSource())
        using (var method = new StandInMethod())
        {
            var rec = new Recorder();
            using var trainer = new Trainer(method, data, options, new[] { rec });
            trainer.Fit();
            straight = rec.Steps.Select(s => s.Loss).ToList();
            straightWeights = Weights(method);
        }

        // Interrupted after stopAt steps (mid-epoch or at an epoch end), then resumed with fresh objects and another init.
        var losses = new List<double>();
        using (var data = new StandInBatchSource())
        using (var method = new StandInMethod())
        {
            var rec = new Recorder();
            using var trainer = new Trainer(method, data, options with { MaxSteps = stopAt, RunDirectory = dir.Path }, new[] { rec });
            var r = trainer.Fit();
            Assert.Equal(stopAt, r.Steps);
            Assert.Equal(dir.File("last.ckpt"), r.LastCheckpoint);
            losses.AddRange(rec.Steps.Select(s => s.Loss));
        }
        Assert.Equal(stopAt, Checkpoint.ReadInfo(dir.File("last.ckpt")).Step);
        using (var data = new StandInBatchSource())
        using (var method = new StandInMethod(seed: 12345))
        {
            var rec = new Recorder();
            var resumed = options with { ResumeFrom = dir.File("last.ckpt"), RunDirectory = dir.Path };
            using var trainer = new Trainer(method, data, resumed, new[] { rec });
            var r = trainer.Fit();
            Assert.Equal(12, r.Steps);
            Assert.Equal(12 - stopAt, r.StepsTaken);   // the throughput counts this call's steps, not the restored ones
            Assert.InRange(r.StepTime, TimeSpan.FromTicks(1), r.Elapsed);
            Assert.Equal(Enumerable.Range(stopAt, 12 - stopAt).Select(i => (long)i), rec.Steps.Select(s => s.Step));
            losses.AddRange(rec.Steps.Select(s => s.Loss));
            Assert.Equal(12L, method.state_dict()["hook_calls"].ToInt64());
            var resumedWeights = Weights(method);
            Assert.Equal(straightWeights.Keys, resumedWeights.Keys);
            foreach (var (k, v) in straightWeights)
                Assert.True(v.SequenceEqual(resumedWeights[k]), $"{optimizer}: '{k}' differs after resume");
        }
        Assert.Equal(straight, losses);
    }

    [Fact]
    public void Rows_logged_after_the_checkpoint_are_dropped_on_resume()
    {
        using var dir = new TempDir();
        var options = Options("sgd") with { RunDirectory = dir.Path };
        using (var data = new StandInBatchSource())
        using (var method = new StandInMethod())
        using (var trainer = new Trainer(method, data, options with { MaxSteps = 5 }))
            trainer.Fit();
        // A run killed after its checkpoint had already logged steps 6 and 7.
        var metrics = dir.File("metrics.csv");
        File.AppendAllLines(metrics, new[] { "6,1,9.9,0.1,1.0", "7,1,9.9,0.1,1.0" });
        using (var data = new StandInBatchSource())
        using (var method = new StandInMethod())
        using (var trainer = new Trainer(method, data, options with { ResumeFrom = dir.File("last.ckpt") }))
            trainer.Fit();
        var steps = File.ReadAllLines(metrics).Skip(1).Select(l => long.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), steps);
        Assert.DoesNotContain(File.ReadAllLines(metrics), l => l.Contains(",9.9,", StringComparison.Ordinal));
    }

    private static Dictionary<string, float[]> Weights(StandInMethod m) =>
        m.state_dict().Where(kv => kv.Value.dtype == ScalarType.Float32)
            .ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());

}
