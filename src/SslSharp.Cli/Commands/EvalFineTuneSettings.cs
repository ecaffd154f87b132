using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SslSharp.Evaluation;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval finetune</c>.</summary>
public sealed class EvalFineTuneSettings : EvalSettings
{
    /// <summary>Epochs.</summary>
    [CommandOption("-e|--epochs <N>")]
    [Description("Passes over the training images.")]
    [DefaultValue(5)]
    public int Epochs { get; init; } = FineTuneOptions.Default.Epochs;

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [Description("Images per step.")]
    [DefaultValue(128)]
    public int BatchSize { get; init; } = FineTuneOptions.Default.BatchSize;

    /// <summary>Base learning rate.</summary>
    [CommandOption("--lr <LR>")]
    [Description("Base learning rate for a batch of 256 (scaled x batch/256), cosine to 0.")]
    [DefaultValue(0.05)]
    public double Lr { get; init; } = FineTuneOptions.Default.LearningRate;

    /// <summary>Backbone lr multiplier.</summary>
    [CommandOption("--backbone-lr-scale <S>")]
    [Description("Multiplier on the backbone's learning rate (the head gets 1).")]
    [DefaultValue(1.0)]
    public double BackboneLrScale { get; init; } = 1.0;

    /// <summary>Weight decay.</summary>
    [CommandOption("--weight-decay <WD>")]
    [DefaultValue(1e-4)]
    public double WeightDecay { get; init; } = FineTuneOptions.Default.WeightDecay;

    /// <summary>Seed.</summary>
    [CommandOption("--seed <SEED>")]
    [DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>The fine-tuning options these settings describe.</summary>
    public FineTuneOptions ToOptions() => new()
    {
        Epochs = Epochs, BatchSize = BatchSize, LearningRate = Lr, BackboneLrScale = BackboneLrScale, WeightDecay = WeightDecay, Seed = Seed,
    };

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var basic = base.Validate();
        if (!basic.Successful) return basic;
        try
        {
            ToOptions().Validate();
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message);
        }
        return ValidationResult.Success();
    }
}
