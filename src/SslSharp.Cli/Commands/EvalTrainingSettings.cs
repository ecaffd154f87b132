using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>
/// Options of the eval commands that train something (<c>linear</c>, <c>finetune</c>): epochs, batch
/// size, learning rate, weight decay, seed. Unset values take the evaluation's own defaults.
/// </summary>
public abstract class EvalTrainingSettings : EvalSettings
{
    /// <summary>Epochs.</summary>
    [CommandOption("-e|--epochs <N>")]
    [Description("Training epochs (default: 10).")]
    public int? Epochs { get; init; }

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [Description("Rows/images per step (default: linear 256, finetune 128).")]
    public int? BatchSize { get; init; }

    /// <summary>Base learning rate.</summary>
    [CommandOption("--lr <LR>")]
    [Description("Base learning rate for a batch of 256, scaled x batch/256, cosine to 0 (default: linear 0.1, finetune 1).")]
    public double? Lr { get; init; }

    /// <summary>Weight decay.</summary>
    [CommandOption("--weight-decay <WD>")]
    [Description("Weight decay of weights, never biases (default: linear 0, finetune 0.0001).")]
    public double? WeightDecay { get; init; }

    /// <summary>Seed.</summary>
    [CommandOption("--seed <SEED>")]
    [Description("Seed of the head's initialisation, the shuffles and the augmentations.")]
    [DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>Checks the resolved options (throws <see cref="ArgumentException"/> when invalid).</summary>
    protected abstract void ValidateOptions();

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var basic = base.Validate();
        if (!basic.Successful) return basic;
        try
        {
            ValidateOptions();
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message);
        }
        return ValidationResult.Success();
    }
}
