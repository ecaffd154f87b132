using System.ComponentModel;
using Spectre.Console.Cli;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval linear</c>.</summary>
public sealed class EvalLinearSettings : EvalTrainingSettings
{
    /// <summary>Optimizer.</summary>
    [CommandOption("--optimizer <NAME>")]
    [Description("sgd or lars.")]
    [DefaultValue("sgd")]
    public string Optimizer { get; init; } = "sgd";

    /// <summary>Probe the raw pixels instead of the encoder (the baseline).</summary>
    [CommandOption("--raw-pixels")]
    [Description("Probe the flattened pixels (/255) of the same images instead of the checkpoint's encoder: the baseline a representation has to beat. The checkpoint only picks the data set and split. Results go to linear_pixels.json.")]
    public bool RawPixels { get; init; }

    /// <summary>The probe options these settings describe.</summary>
    public LinearProbeOptions ToOptions()
    {
        var d = LinearProbeOptions.Default;
        return d with
        {
            Epochs = Epochs ?? d.Epochs, BatchSize = BatchSize ?? d.BatchSize, LearningRate = Lr ?? d.LearningRate,
            WeightDecay = WeightDecay ?? d.WeightDecay, Optimizer = Optimizer.ToLowerInvariant(), Seed = Seed,
        };
    }

    /// <inheritdoc />
    protected override void ValidateOptions() => ToOptions().Validate();
}
