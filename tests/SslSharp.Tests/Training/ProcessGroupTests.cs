using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Training;
using SslSharp.Training.Logging;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

[Collection("TrainerSerial")] // trains with torch's global generator
public class ProcessGroupTests
{
    private static TrainerOptions Options() => TrainerTests.Options() with { Epochs = 2 };

    private static readonly string[] OneStep = { "step-start", "forward", "after-backward", "after-step" };

    [Fact]
    public void Without_a_group_the_trainer_and_the_method_use_the_single_process_group()
    {
        var log = new List<string>();
        using var data = new StandInBatchSource();
        using var method = new HookRecordingMethod(log);
        Assert.Same(SingleProcessGroup.Instance, method.ProcessGroup);
        using var trainer = new Trainer(method, data, Options() with { MaxSteps = 2 });
        Assert.Same(SingleProcessGroup.Instance, trainer.ProcessGroup);
        Assert.Same(SingleProcessGroup.Instance, method.ProcessGroup);
        trainer.Fit();
        Assert.Equal(OneStep.Concat(OneStep), log);
    }

    [Fact]
    public void Gradients_are_all_reduced_after_backward_and_before_OnAfterBackward_and_the_optimizer_step()
    {
        var log = new List<string>();
        using var data = new StandInBatchSource();
        using var method = new HookRecordingMethod(log);
        var group = new RecordingProcessGroup(log);
        Tensor? weightAtAllReduce = null;
        group.OnAllReduce = tensor =>
        {
            if (tensor.numel() == 1) return;   // the logged loss's mean over the processes, read before backward
            // backward has run (every trainable parameter has a gradient) and the optimizer has not stepped yet.
            Assert.All(method.parameters(), p => Assert.NotNull(p.grad));
            weightAtAllReduce?.Dispose();
            weightAtAllReduce = method.Projector.weight!.detach().clone().DetachFromDisposeScope();
        };
        var stepped = new List<bool>();
        var probe = new OutputProbe((_, _, _) => stepped.Add(!method.Projector.weight!.Same(weightAtAllReduce!)));
        // Without synchronised BatchNorm, whose own all-reduces (forward and backward) would interleave with the log.
        using var trainer = new Trainer(method, data, Options() with { MaxSteps = 3, WarmupEpochs = 0, SyncBatchNorm = false }, new[] { probe }, processGroup: group);
        Assert.Same(group, method.ProcessGroup);
        trainer.Fit();
        // Each step starts with the collective stop decision (an all-reduce max of the stop flag); after the forward the
        // loss is averaged over the processes (one value), after backward the gradients (one flattened buffer).
        string[] withAllReduce = { "all-reduce-max", "step-start", "forward", "all-reduce-scalar", "all-reduce", "after-backward", "after-step" };
        // First the model is broadcast from rank 0: one call per dtype of its parameters and buffers (float32, and the
        // int64 num_batches_tracked of the backbone's BatchNorm).
        Assert.Equal(new[] { "broadcast", "broadcast" }.Concat(withAllReduce).Concat(withAllReduce).Concat(withAllReduce), log);
        Assert.Equal(new[] { true, true, true }, stepped);
        weightAtAllReduce?.Dispose();
    }

    [Fact]
    public void Processes_that_all_see_the_same_batch_train_as_one_process()
    {
        double[] Run(IProcessGroup? group)
        {
            using var data = new StandInBatchSource();
            using var method = new HookRecordingMethod(new List<string>());
            var rec = new Recorder();
            // The lr is scaled by the global batch (4 x larger with 4 processes); unscaled, the steps are the same.
            // (Synchronised BatchNorm computes the same statistics here, but with other float rounding than libtorch's.)
            using var trainer = new Trainer(method, data, Options() with { LrScaling = LrScaling.None, SyncBatchNorm = false }, new[] { rec }, processGroup: group);
            trainer.Fit();
            return rec.Steps.Select(s => s.Loss).ToArray();
        }

        var single = Run(null);
        var mirrored = Run(new RecordingProcessGroup(new List<string>(), rank: 0, worldSize: 4)); // sum = 4 g, mean = g
        Assert.Equal(8, single.Length);
        Assert.Equal(single, mirrored);
    }

    [Fact]
    public void A_stop_asked_of_another_process_stops_this_one_at_the_same_step()
    {
        using var data = new StandInBatchSource();
        using var method = new HookRecordingMethod(new List<string>());
        int decisions = 0;
        // The other process was signalled before the 4th step: its stop flag (1) wins the all-reduce max.
        var group = new RecordingProcessGroup(new List<string>(), rank: 1, worldSize: 2)
        {
            OnAllReduceMax = flag => { if (++decisions == 4) flag.fill_(1); },
        };
        using var trainer = new Trainer(method, data, Options() with { SyncBatchNorm = false }, processGroup: group);
        var e = Assert.Throws<OperationCanceledException>(() => trainer.Fit(CancellationToken.None));
        Assert.Contains("another process", e.Message);
        Assert.Equal(3, group.Log.Count(l => l == "all-reduce"));   // 3 steps ran, each with its gradient all-reduce
    }

    [Fact]
    public void The_learning_rate_is_scaled_by_the_global_batch()
    {
        using var data = new StandInBatchSource();
        using var method = new HookRecordingMethod(new List<string>());
        var options = Options() with { LrScaling = LrScaling.Linear, BaseLr = 0.1 };
        using var trainer = new Trainer(method, data, options, processGroup: new RecordingProcessGroup(new List<string>(), rank: 0, worldSize: 4));
        Assert.Equal(0.1 * options.BatchSize * 4 / 256, trainer.PeakLr, 12);
    }

    [Fact]
    public void A_process_of_rank_1_writes_no_files_and_shows_no_progress()
    {
        using var dir = new TempDir();
        using var data = new StandInBatchSource();
        using var method = new HookRecordingMethod(new List<string>());
        var display = new CountingDisplay();
        string? seenRunDirectory = "unset";
        var rec = new Recorder { OnStep = (s, m) => { seenRunDirectory = s.RunDirectory; s.Log("metric", m.Step); } };
        var options = Options() with { RunDirectory = dir.Path, ShowProgress = true, CheckpointEveryEpochs = 1 };
        using var trainer = new Trainer(method, data, options, new[] { rec }, display,
            new RecordingProcessGroup(new List<string>(), rank: 1, worldSize: 2));
        var result = trainer.Fit();
        Assert.Equal(8, result.Steps);
        Assert.Null(result.LastCheckpoint);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        Assert.Equal(0, display.Runs);
        Assert.Null(seenRunDirectory);

        // Rank 0 of the same group writes them.
        using var dir0 = new TempDir();
        using var method0 = new HookRecordingMethod(new List<string>());
        using var trainer0 = new Trainer(method0, data, options with { RunDirectory = dir0.Path }, new[] { rec }, display,
            new RecordingProcessGroup(new List<string>(), rank: 0, worldSize: 2));
        trainer0.Fit();
        Assert.True(File.Exists(dir0.File("metrics.csv")) && File.Exists(dir0.File("logged.csv")) && File.Exists(dir0.File("last.ckpt")));
        Assert.Equal(1, display.Runs);
    }

    [Fact]
    public void A_rank_outside_the_world_fails_fast()
    {
        using var data = new StandInBatchSource();
        using var method = new HookRecordingMethod(new List<string>());
        var e = Assert.Throws<ArgumentException>(() =>
            new Trainer(method, data, Options(), processGroup: new RecordingProcessGroup(new List<string>(), rank: 2, worldSize: 2)));
        Assert.Contains("rank 2 of 2", e.Message);
    }

    private sealed class CountingDisplay : IProgressDisplay
    {
        public int Runs;

        public void Run(long startStep, long endStep, Action<IProgressReporter> loop)
        {
            Runs++;
            loop(new SilentReporter());
        }
    }

    private sealed class SilentReporter : IProgressReporter
    {
        public void Step(long step, long endStep, int epoch, int epochs, double loss, double lr, double imagesPerSecond) { }

        public void Message(string text) { }
    }
}
