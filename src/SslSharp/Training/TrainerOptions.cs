using SslSharp.Core;
using SslSharp.Training.Optim;

namespace SslSharp.Training;

/// <summary>
/// Settings of a <see cref="Trainer"/> run. Defaults follow the common SimCLR/BYOL-style recipe
/// (SGD, linear lr scaling, 10 warmup epochs then cosine); method presets override them.
/// </summary>
/// <remarks>
/// The learning rate of step <c>t</c> is
/// <c>Schedules.WarmupCosine(t, WarmupEpochs * stepsPerEpoch, Epochs * stepsPerEpoch, ScaleLr(BaseLr, BatchSize, LrScaling), MinLr)</c>
/// times the group's <see cref="ParameterGroup.LrScale"/> (docs/recipes.md#schedules).
/// </remarks>
public sealed record TrainerOptions
{
    /// <summary>Epochs to train (the schedule spans all of them, even when <see cref="MaxSteps"/> stops earlier).</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Images per batch of this process; must match the batch source. The lr is scaled by the global batch,
    /// <c>BatchSize x</c> the number of processes.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>The optimizer (SGD with momentum by default).</summary>
    public Optim.OptimizerKind Optimizer { get; init; } = Optim.OptimizerKind.Sgd;

    /// <summary>Base learning rate before batch-size scaling.</summary>
    public double BaseLr { get; init; } = 0.05;

    /// <summary>
    /// Gradient accumulation: each optimizer step sums the gradients of this many consecutive batches (each loss
    /// divided by it), so the step sees an effective batch of <c>AccumulationSteps x BatchSize</c> (x the number of
    /// processes), which is also the batch the learning rate is scaled by. The loss is still computed per batch: a loss
    /// that is a mean over independent images gets the large batch's gradient exactly; negatives, covariance and
    /// BatchNorm statistics see one batch at a time (docs/recipes.md#gradient-accumulation). Callbacks see every batch's
    /// output: the last one's after the optimizer step (as without accumulation), the earlier ones' after their backward.
    /// </summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>How <see cref="BaseLr"/> scales with <see cref="BatchSize"/>.</summary>
    public LrScaling LrScaling { get; init; } = LrScaling.Linear;

    /// <summary>Weight decay (applied only to groups with <see cref="ParameterGroup.WeightDecay"/>).</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>
    /// Weight decay at the end of a per-step cosine schedule that starts at <see cref="WeightDecay"/>
    /// (DINO: 0.04 to 0.4, docs/recipes.md#schedules), or null for a constant weight decay. Applies to the
    /// groups that have weight decay.
    /// </summary>
    public double? WeightDecayEnd { get; init; }

    /// <summary>Momentum of SGD and LARS.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>AdamW betas.</summary>
    public (double Beta1, double Beta2) Betas { get; init; } = (0.9, 0.999);

    /// <summary>Linear warmup length in epochs (may be fractional; converted to whole steps).</summary>
    public double WarmupEpochs { get; init; } = 10;

    /// <summary>Learning rate at the end of the cosine decay (absolute, not scaled).</summary>
    public double MinLr { get; init; }

    /// <summary>LARS trust coefficient.</summary>
    public double LarsEta { get; init; } = 1e-3;

    /// <summary>Seed of the run (the batch source and method use their own seeds; this one seeds torch's global generator).</summary>
    public long Seed { get; init; }

    /// <summary>Device: <c>cpu</c> or <c>cuda</c> (or <c>cuda:N</c>).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Run folder for <c>metrics.csv</c>, <c>logged.csv</c> and checkpoints; null writes nothing.</summary>
    public string? RunDirectory { get; init; }

    /// <summary>Besides <c>last.ckpt</c> (every epoch), keep <c>epoch-NNNN.ckpt</c> every this many epochs; 0 for none.</summary>
    public int CheckpointEveryEpochs { get; init; }

    /// <summary>Steps between plain-text progress lines when the output is not a terminal (and between metric flushes).</summary>
    public int LogEverySteps { get; init; } = 50;

    /// <summary>Show a progress bar (a live bar on a terminal, periodic lines otherwise).</summary>
    public bool ShowProgress { get; init; } = true;

    /// <summary>With several processes, make the method's BatchNorm layers use the statistics of the global batch
    /// (<c>SslSharp.Distributed.SyncBatchNorm</c>, as the references' <c>convert_sync_batchnorm</c>); false keeps them per
    /// process. No effect with one process.</summary>
    public bool SyncBatchNorm { get; init; } = true;

    /// <summary>Stop after this many global steps (tests, benchmarks); null trains all epochs.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Checkpoint to resume from (restores weights, optimizer, step and RNG), or null.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Free-form configuration (e.g. the CLI's resolved method config as JSON) stored in checkpoints for evaluation to rebuild the method.</summary>
    public string? ConfigJson { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting and what to use instead.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw Bad(nameof(Epochs), $"must be >= 1, got {Epochs}");
        if (BatchSize < 1) throw Bad(nameof(BatchSize), $"must be >= 1, got {BatchSize}");
        if (AccumulationSteps < 1) throw Bad(nameof(AccumulationSteps), $"must be >= 1, got {AccumulationSteps}");
        if (!Enum.IsDefined(Optimizer))
            throw Bad(nameof(Optimizer), $"{(int)Optimizer} is unknown; use one of {string.Join(", ", Optim.Optimizers.Names)}");
        if (!(BaseLr > 0) || !double.IsFinite(BaseLr)) throw Bad(nameof(BaseLr), $"must be a finite number > 0, got {BaseLr}");
        if (!Enum.IsDefined(LrScaling)) throw Bad(nameof(LrScaling), $"unknown value {LrScaling}");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw Bad(nameof(WeightDecay), $"must be >= 0, got {WeightDecay}");
        if (WeightDecayEnd is double wdEnd && (!(wdEnd >= 0) || !double.IsFinite(wdEnd))) throw Bad(nameof(WeightDecayEnd), $"must be >= 0, got {wdEnd}");
        if (!(Momentum >= 0 && Momentum < 1)) throw Bad(nameof(Momentum), $"must be in [0, 1), got {Momentum}");
        if (!(Betas.Beta1 >= 0 && Betas.Beta1 < 1 && Betas.Beta2 >= 0 && Betas.Beta2 < 1))
            throw Bad(nameof(Betas), $"must both be in [0, 1), got ({Betas.Beta1}, {Betas.Beta2})");
        if (!(WarmupEpochs >= 0) || WarmupEpochs >= Epochs)
            throw Bad(nameof(WarmupEpochs), $"must be in [0, Epochs={Epochs}), got {WarmupEpochs}");
        if (!(MinLr >= 0) || !double.IsFinite(MinLr)) throw Bad(nameof(MinLr), $"must be >= 0, got {MinLr}");
        if (!(LarsEta > 0) || !double.IsFinite(LarsEta)) throw Bad(nameof(LarsEta), $"must be > 0, got {LarsEta}");
        if (string.IsNullOrWhiteSpace(Device) || !(Device == "cpu" || Device.StartsWith("cuda", StringComparison.Ordinal)))
            throw Bad(nameof(Device), $"'{Device}' is not a device; use cpu or cuda");
        if (CheckpointEveryEpochs < 0) throw Bad(nameof(CheckpointEveryEpochs), $"must be >= 0, got {CheckpointEveryEpochs}");
        if (LogEverySteps < 1) throw Bad(nameof(LogEverySteps), $"must be >= 1, got {LogEverySteps}");
        if (MaxSteps is < 1) throw Bad(nameof(MaxSteps), $"must be >= 1 when set, got {MaxSteps}");
        if (ResumeFrom is not null && !File.Exists(ResumeFrom))
            throw Bad(nameof(ResumeFrom), $"checkpoint '{ResumeFrom}' does not exist");
    }

    private static ArgumentException Bad(string name, string what) =>
        new($"Trainer option {name} {what}.", name);
}
