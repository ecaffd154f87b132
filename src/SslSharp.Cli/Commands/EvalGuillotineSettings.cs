using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval guillotine</c>.</summary>
public sealed class EvalGuillotineSettings : EvalSettings
{
    /// <summary>Neighbour count.</summary>
    [CommandOption("-k <K>")]
    [Description("Neighbour count of the weighted kNN at every cut.")]
    [DefaultValue(20)]
    public int K { get; init; } = 20;

    /// <summary>Probe epochs.</summary>
    [CommandOption("-e|--epochs <N>")]
    [Description("Linear-probe epochs at every cut.")]
    [DefaultValue(10)]
    public int Epochs { get; init; } = LinearProbeOptions.Default.Epochs;

    /// <summary>Seed.</summary>
    [CommandOption("--seed <SEED>")]
    [DefaultValue(0L)]
    public long Seed { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var basic = base.Validate();
        if (!basic.Successful) return basic;
        if (K < 1) return ValidationResult.Error("-k must be positive.");
        if (Epochs < 1) return ValidationResult.Error("--epochs must be at least 1.");
        return ValidationResult.Success();
    }
}
