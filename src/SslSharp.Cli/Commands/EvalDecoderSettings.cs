using System.ComponentModel;
using SslSharp.Evaluation.Decoder;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval decoder</c>.</summary>
public sealed class EvalDecoderSettings : CommonSettings
{
    /// <summary>Checkpoint file.</summary>
    [CommandOption("-c|--checkpoint|--init-from <CKPT>")]
    [Description("Checkpoint written by [green]sslsharp pretrain[/] (e.g. runs/X/last.ckpt), or a .safetensors export with its side JSON.")]
    public string Checkpoint { get; init; } = "";

    /// <summary>Output folder.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("Folder for reconstructions.png, decoder.json and decoder.md (default: the checkpoint's folder).")]
    public string? Out { get; init; }

    /// <summary>Data set override.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("Evaluate on this data set instead of the one the checkpoint was trained on.")]
    public string? Dataset { get; init; }

    /// <summary>Data folder override.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the data set files.")]
    public string? DataDir { get; init; }

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

    /// <summary>Device.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

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
        if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint is required.");
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
