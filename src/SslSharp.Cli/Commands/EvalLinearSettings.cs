using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SslSharp.Evaluation;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval linear</c>.</summary>
public sealed class EvalLinearSettings : EvalSettings
{
    /// <summary>Epochs.</summary>
    [CommandOption("-e|--epochs <N>")]
    [Description("Passes over the cached training features.")]
    [DefaultValue(10)]
    public int Epochs { get; init; } = LinearProbeOptions.Default.Epochs;

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [Description("Rows per step.")]
    [DefaultValue(256)]
    public int BatchSize { get; init; } = LinearProbeOptions.Default.BatchSize;

    /// <summary>Base learning rate.</summary>
    [CommandOption("--lr <LR>")]
    [Description("Base learning rate for a batch of 256 (scaled x batch/256), cosine to 0.")]
    [DefaultValue(0.1)]
    public double Lr { get; init; } = LinearProbeOptions.Default.LearningRate;

    /// <summary>Optimizer.</summary>
    [CommandOption("--optimizer <NAME>")]
    [Description("sgd or lars.")]
    [DefaultValue("sgd")]
    public string Optimizer { get; init; } = "sgd";

    /// <summary>Weight decay.</summary>
    [CommandOption("--weight-decay <WD>")]
    [DefaultValue(0.0)]
    public double WeightDecay { get; init; }

    /// <summary>Seed.</summary>
    [CommandOption("--seed <SEED>")]
    [DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>The probe options these settings describe.</summary>
    public LinearProbeOptions ToOptions() => new()
    {
        Epochs = Epochs, BatchSize = BatchSize, LearningRate = Lr, Optimizer = Optimizer.ToLowerInvariant(), WeightDecay = WeightDecay, Seed = Seed,
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
