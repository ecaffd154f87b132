using System.Globalization;
using SslSharp.Core;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

[Collection("TrainerSerial")] // trains with torch's global generator: no parallel test may draw from it meanwhile
public class TrainerTests
{
    internal static TrainerOptions Options(string optimizer = "sgd") => new()
    {
        Epochs = 3,
        BatchSize = 8,
        Optimizer = SslSharp.Training.Optim.Optimizers.Parse(optimizer),
        BaseLr = optimizer == "adamw" ? 0.01 : 0.5,
        LrScaling = LrScaling.Linear,
        WeightDecay = 1e-3,
        WarmupEpochs = 1,
        MinLr = 1e-3,
        ShowProgress = false,
        Seed = 3,
    };

    [Fact]
    public void Fit_runs_every_step_with_the_hooks_and_finite_losses()
    {
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        var rec = new Recorder();
        using var trainer = new Trainer(method, data, Options(), new[] { rec });
        var result = trainer.Fit();
        Assert.Equal(12, result.Steps);
        Assert.Equal(3, result.Epochs);
        Assert.Equal(12, rec.Steps.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), rec.Steps.Select(s => s.Step));
        Assert.All(rec.Steps, s => Assert.True(double.IsFinite(s.Loss) && s.ImagesPerSecond > 0));
        Assert.Equal((1, 3, 1), (rec.TrainStarts, rec.EpochEnds, rec.TrainEnds));
        Assert.Equal(12L, method.state_dict()["hook_calls"].ToInt64());
        Assert.Null(result.LastCheckpoint); // no run folder, no files
    }

    [Fact]
    public void A_weight_decay_end_gives_a_cosine_weight_decay_on_decayed_groups_only()
    {
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        var options = Options() with { WeightDecay = 0.04, WeightDecayEnd = 0.4, MaxSteps = 5 };
        using var trainer = new Trainer(method, data, options);
        Assert.Equal(0.04, trainer.WeightDecayAt(0), 12);
        Assert.Equal(0.4, trainer.WeightDecayAt(trainer.TotalSteps), 12);
        Assert.Equal(0.22, trainer.WeightDecayAt(trainer.TotalSteps / 2), 12);
        trainer.Fit();
        for (int g = 0; g < trainer.Groups.Count; g++)
            Assert.Equal(trainer.Groups[g].WeightDecay ? trainer.WeightDecayAt(4) : 0, trainer.Optimizer.GetWeightDecay(g), 12);
        using var constant = new Trainer(method, data, Options());
        Assert.Equal(1e-3, constant.WeightDecayAt(7), 12);
    }

    [Fact]
    public void Every_group_gets_the_scheduled_lr_times_its_scale_or_the_fixed_lr()
    {
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        method.GroupsOverride = m => new[]
        {
            new ParameterGroup("encoder", m.Encoder.parameters().ToList()),
            new ParameterGroup("proj_w", new[] { m.Projector.weight! }, LrScale: 0.5),
            new ParameterGroup("proj_b", new[] { m.Projector.bias! }, WeightDecay: false, LarsAdaptation: false, FixedLr: true, LrScale: 2),
        };
        var options = Options() with { MaxSteps = 6 };
        using var trainer = new Trainer(method, data, options);
        var rec = new Recorder();
        double peak = 0.5 * 8 / 256.0;
        Assert.Equal(peak, trainer.PeakLr, 12);
        Assert.Equal(4, trainer.WarmupSteps);
        trainer.Fit();
        // step 5 (0-based) was the last: cosine over steps 4..12, progress 1/8.
        double expected = 1e-3 + (peak - 1e-3) * (1 + Math.Cos(Math.PI * 1 / 8)) / 2;
        Assert.Equal(expected, trainer.LearningRateAt(5), 12);
        Assert.Equal(expected, trainer.Optimizer.GetLearningRate(0), 12);
        Assert.Equal(expected * 0.5, trainer.Optimizer.GetLearningRate(1), 12);
        Assert.Equal(peak * 2, trainer.Optimizer.GetLearningRate(2), 12);
        Assert.Equal(2.5 * peak / 5 * 2, trainer.LearningRateAt(2) * 2, 12); // warmup: base * t / Tw
    }

    [Fact]
    public void Non_finite_loss_stops_before_the_optimizer_step_and_names_the_step()
    {
        using var data = new StandInBatchSource();
        using var method = new StandInMethod { NanAtStep = 5 };
        var rec = new Recorder();
        using var trainer = new Trainer(method, data, Options(), new[] { rec });
        var ex = Assert.Throws<NonFiniteLossException>(() => trainer.Fit());
        Assert.Equal(5, ex.Step);
        Assert.Equal(1, ex.Epoch);
        Assert.Contains("step 5 (epoch 1", ex.Message);
        Assert.Contains("Lower the learning rate", ex.Message);
        Assert.Equal(5, rec.Steps.Count);
        Assert.Equal(1, rec.TrainEnds); // OnTrainEnd runs on errors too
        Assert.Equal(5L, method.state_dict()["hook_calls"].ToInt64());
    }

    [Fact]
    public void Metrics_csv_has_one_row_per_step_and_logged_values_go_to_logged_csv()
    {
        using var dir = new TempDir();
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        var rec = new Recorder { OnStep = (s, m) => { if (m.Step % 2 == 1) s.Log("odd_metric", m.Step); } };
        var logger = new EpochLogger();
        using var trainer = new Trainer(method, data, Options() with { Epochs = 2, RunDirectory = dir.Path }, new ITrainerCallback[] { rec, logger });
        trainer.Fit();
        var lines = File.ReadAllLines(dir.File("metrics.csv"));
        Assert.Equal("step,epoch,loss,lr,images_per_s", lines[0]);
        Assert.Equal(9, lines.Length);
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            Assert.Equal(5, f.Length);
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), f[0]);
            Assert.Equal(((i - 1) / 4).ToString(CultureInfo.InvariantCulture), f[1]);
            Assert.Equal(rec.Steps[i - 1].Loss, double.Parse(f[2], CultureInfo.InvariantCulture));
            Assert.Equal(rec.Steps[i - 1].LearningRate, double.Parse(f[3], CultureInfo.InvariantCulture));
        }
        var logged = File.ReadAllLines(dir.File("logged.csv"));
        Assert.Equal("step,epoch,name,value", logged[0]);
        Assert.Contains("0,0,start,1", logged);            // OnTrainStart: step 0
        Assert.Contains("2,0,odd_metric,1", logged);    // logged after the 2nd step (Step index 1)
        Assert.Contains("4,0,knn,4", logged);              // epoch end of epoch 0
        Assert.Contains("8,1,knn,8", logged);
        Assert.True(File.Exists(dir.File("last.ckpt")));
        Assert.False(File.Exists(dir.File("epoch-0002.ckpt.tmp")));
    }

    [Fact]
    public void A_metric_name_that_would_break_the_csv_fails_fast()
    {
        using var dir = new TempDir();
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        var rec = new Recorder { OnStep = (s, _) => s.Log("bad,name", 1) };
        using var trainer = new Trainer(method, data, Options() with { Epochs = 2, RunDirectory = dir.Path }, new ITrainerCallback[] { rec });
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit());
        Assert.Contains("bad,name", e.Message);
    }

    private sealed class EpochLogger : ITrainerCallback
    {
        public void OnTrainStart(TrainerState state) => state.Log("start", 1);

        public void OnEpochEnd(TrainerState state) => state.Log("knn", state.Step);
    }

    [Fact]
    public void Periodic_checkpoints_are_kept_every_n_epochs()
    {
        using var dir = new TempDir();
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        using var trainer = new Trainer(method, data, Options() with { RunDirectory = dir.Path, CheckpointEveryEpochs = 2 });
        trainer.Fit();
        Assert.True(File.Exists(dir.File("epoch-0002.ckpt")));
        Assert.False(File.Exists(dir.File("epoch-0001.ckpt")));
        Assert.Equal(8, Checkpoint.ReadInfo(dir.File("epoch-0002.ckpt")).Step);
        Assert.Equal(12, Checkpoint.ReadInfo(dir.File("last.ckpt")).Step);
    }

    [Fact]
    public void A_run_removes_the_temporary_file_a_killed_checkpoint_write_left()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("epoch-0002.ckpt.tmp"), "half a checkpoint");   // not rewritten by this run
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        using var trainer = new Trainer(method, data, Options() with { RunDirectory = dir.Path, MaxSteps = 1 });
        trainer.Fit();
        Assert.False(File.Exists(dir.File("epoch-0002.ckpt.tmp")));
        Assert.Equal(1, Checkpoint.ReadInfo(dir.File("last.ckpt")).Step);
    }

    [Fact]
    public void Cancellation_writes_last_ckpt_and_throws()
    {
        using var dir = new TempDir();
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        using var cts = new CancellationTokenSource();
        bool? stoppedEarly = null;
        var rec = new Recorder { OnStep = (s, m) => { if (m.Step == 2) cts.Cancel(); }, OnEnd = s => stoppedEarly = s.StoppedEarly };
        using var trainer = new Trainer(method, data, Options() with { RunDirectory = dir.Path }, new[] { rec });
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(cts.Token));
        Assert.Equal(3, Checkpoint.ReadInfo(dir.File("last.ckpt")).Step);
        Assert.True(stoppedEarly);                     // the callbacks are told: no end-of-training evaluation
    }

    [Fact]
    public void Bad_options_fail_fast_with_the_option_name()
    {
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        var ex = Assert.Throws<ArgumentException>(() => new Trainer(method, data, Options() with { WarmupEpochs = 5 }));
        Assert.Contains("WarmupEpochs", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Trainer(method, data, Options() with { ResumeFrom = "/nonexistent/last.ckpt" }));
        Assert.Contains("does not exist", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Trainer(method, data, Options() with { Device = "tpu" }));
        Assert.Contains("Device", ex.Message);
    }

    [Fact]
    public void Resume_with_another_steps_per_epoch_is_rejected()
    {
        using var dir = new TempDir();
        using (var data = new StandInBatchSource())
        using (var method = new StandInMethod())
        using (var trainer = new Trainer(method, data, Options() with { MaxSteps = 2, RunDirectory = dir.Path }))
            trainer.Fit();
        using var other = new StandInBatchSource(images: 48);
        using var m2 = new StandInMethod();
        using var t2 = new Trainer(m2, other, Options() with { ResumeFrom = dir.File("last.ckpt") });
        var ex = Assert.Throws<InvalidOperationException>(() => t2.Fit());
        Assert.Contains("steps per epoch", ex.Message);
    }
}
