using System.ComponentModel;
using SslSharp.Evaluation.Decoder;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>
/// Options of <c>sslsharp eval decoder</c>: the checkpoint, data, device, output and split (<see cref="EvalSettings"/>; it writes
/// <c>reconstructions.png</c> besides <c>decoder.json</c> / <c>decoder.md</c>) and the decoder's training.
/// </summary>
public sealed class EvalDecoderSettings : EvalSettings
{
    /// <summary>Decoder epochs.</summary>
    [CommandOption("--epochs <N>")]
    [Description("Passes of the decoder over the training features.")]
    [DefaultValue(5)]
    public int Epochs { get; init; } = DecoderOptions.Default.Epochs;

    /// <summary>Decoder batch size.</summary>
    [CommandOption("--batch-size <N>")]
    [Description("Images per decoder step.")]
    [DefaultValue(128)]
    public int BatchSize { get; init; } = DecoderOptions.Default.BatchSize;

    /// <summary>Decoder learning rate.</summary>
    [CommandOption("--lr <LR>")]
    [Description("Adam learning rate of the decoder.")]
    [DefaultValue(1e-3)]
    public double LearningRate { get; init; } = DecoderOptions.Default.LearningRate;

    /// <summary>At most this many training images.</summary>
    [CommandOption("--train-images <N>")]
    [Description("Train the decoder on at most this many images (a seeded random subset).")]
    [DefaultValue(5_000)]
    public int TrainImages { get; init; } = DecoderOptions.Default.MaxTrainImages;

    /// <summary>Seed.</summary>
    [CommandOption("--seed <SEED>")]
    [Description("Seed of the decoder's initialisation, subset and shuffling.")]
    [DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>The decoder settings these options describe.</summary>
    public DecoderOptions ToOptions() => DecoderOptions.Default with
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        MaxTrainImages = TrainImages,
        Seed = Seed,
    };

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } failed) return failed;
        if (Limit is not null) return ValidationResult.Error("eval decoder reads every held-out image; bound its training images with --train-images instead of --limit.");
        try
        {
            ToOptions().Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            return ValidationResult.Error(e.Message.Split(" (Parameter", 2)[0]);
        }
        return ValidationResult.Success();
    }
}
