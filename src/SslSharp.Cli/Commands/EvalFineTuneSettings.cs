using System.ComponentModel;
using Spectre.Console.Cli;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;
using SslSharp.Training.Optim;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval finetune</c>.</summary>
public sealed class EvalFineTuneSettings : EvalTrainingSettings
{
    /// <summary>Backbone lr multiplier.</summary>
    [CommandOption("--backbone-lr-scale <S>")]
    [Description("Multiplier on the backbone's learning rate (the head gets 1).")]
    [DefaultValue(1.0)]
    public double BackboneLrScale { get; init; } = 1.0;

    /// <summary>Layer-wise lr decay (ViTs).</summary>
    [CommandOption("--layer-decay <D>")]
    [Description("ViTs: layer-wise lr decay; block i of L trains at D^(L-i) times the head's rate (MAE: 0.65 for ViT-B). Default: off.")]
    public double? LayerDecay { get; init; }

    /// <summary>Stochastic depth (ViTs).</summary>
    [CommandOption("--drop-path <R>")]
    [Description("ViTs: stochastic-depth rate of the last block during fine-tuning (MAE: 0.1). Default: the run's (0).")]
    public double? DropPath { get; init; }

    /// <summary>Smallest crop of the fine-tuning augmentation.</summary>
    [CommandOption("--min-scale <S>")]
    [Description("Smallest area fraction of the random resized crops fine-tuning trains on, in (0, 1]]. Default: 0.2 for images under 32 px, else 0.08.")]
    public double? MinScale { get; init; }

    /// <summary>Optimizer.</summary>
    [CommandOption("--optimizer <NAME>")]
    [Description("sgd (momentum 0.9) or adamw (betas 0.9, 0.999: MAE's fine-tuning recipe for ViTs).")]
    [DefaultValue("sgd")]
    public string Optimizer { get; init; } = "sgd";

    /// <summary>Warm-up epochs.</summary>
    [CommandOption("--warmup-epochs <N>")]
    [Description("Linear warm-up before the cosine decay, in epochs (fractions allowed; default 0).")]
    public double? WarmupEpochs { get; init; }

    /// <summary>Start from the architecture's random initialisation instead of the checkpoint's weights.</summary>
    [CommandOption("--scratch")]
    [Description("Fine-tune the checkpoint's architecture from its random initialisation (the run's seed), not from its weights: the from-scratch baseline with the same budget.")]
    public bool Scratch { get; init; }

    /// <summary>The fine-tuning options these settings describe.</summary>
    public FineTuneOptions ToOptions()
    {
        var d = FineTuneOptions.Default;
        return d with
        {
            Epochs = Epochs ?? d.Epochs, BatchSize = BatchSize ?? d.BatchSize, LearningRate = Lr ?? d.LearningRate,
            WeightDecay = WeightDecay ?? d.WeightDecay, BackboneLrScale = BackboneLrScale, LayerDecay = LayerDecay, Seed = Seed,
            Optimizer = Optimizers.Parse(Optimizer), WarmupEpochs = WarmupEpochs ?? d.WarmupEpochs,
        };
    }

    /// <inheritdoc />
    protected override void ValidateOptions()
    {
        ToOptions().Validate();
        if (DropPath is { } r && !(r >= 0 && r < 1)) throw new ArgumentException($"--drop-path must be in [0, 1) (e.g. 0.1), got {r}.");
        if (MinScale is { } m && !(m > 0 && m <= 1)) throw new ArgumentException($"--min-scale must be in (0, 1] (e.g. 0.5), got {m}.");
    }
}
