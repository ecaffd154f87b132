using System.ComponentModel;
using Spectre.Console.Cli;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval finetune</c>.</summary>
public sealed class EvalFineTuneSettings : EvalTrainingSettings
{
    /// <summary>Backbone lr multiplier.</summary>
    [CommandOption("--backbone-lr-scale <S>")]
    [Description("Multiplier on the backbone's learning rate (the head gets 1).")]
    [DefaultValue(1.0)]
    public double BackboneLrScale { get; init; } = 1.0;

    /// <summary>The fine-tuning options these settings describe.</summary>
    public FineTuneOptions ToOptions()
    {
        var d = FineTuneOptions.Default;
        return d with
        {
            Epochs = Epochs ?? d.Epochs, BatchSize = BatchSize ?? d.BatchSize, LearningRate = Lr ?? d.LearningRate,
            WeightDecay = WeightDecay ?? d.WeightDecay, BackboneLrScale = BackboneLrScale, Seed = Seed,
        };
    }

    /// <inheritdoc />
    protected override void ValidateOptions() => ToOptions().Validate();
}
