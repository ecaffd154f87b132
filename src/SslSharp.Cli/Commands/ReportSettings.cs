using System.ComponentModel;
using SslSharp.Reporting;
using SslSharp.Runs.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp report</c>.</summary>
public sealed class ReportSettings : CommonSettings
{
    /// <summary>The run folder.</summary>
    [CommandArgument(0, "<RUN_DIR>")]
    [Description("Run folder written by [green]sslsharp pretrain --out[/].")]
    public string RunDirectory { get; init; } = "";

    /// <summary>Checkpoint file name.</summary>
    [CommandOption("--checkpoint <FILE>")]
    [Description("Checkpoint inside the run folder used for spectra, PCA and reconstructions.")]
    [DefaultValue("last.ckpt")]
    public string Checkpoint { get; init; } = ReportOptions.Default.CheckpointFile;

    /// <summary>Skip the checkpoint.</summary>
    [CommandOption("--no-checkpoint")]
    [Description("Report only what the run folder's files hold (no spectra, PCA or decoder computed).")]
    public bool NoCheckpoint { get; init; }

    /// <summary>Skip the decoder.</summary>
    [CommandOption("--no-decoder")]
    [Description("Do not train a decoder when the folder has no reconstructions.png.")]
    public bool NoDecoder { get; init; }

    /// <summary>Held-out images for spectra and PCA.</summary>
    [CommandOption("--subset <N>")]
    [Description("Held-out images (the first N) used for spectra and the PCA scatter.")]
    [DefaultValue(2000)]
    public int Subset { get; init; } = ReportOptions.Default.SubsetSize;

    /// <summary>Decoder epochs.</summary>
    [CommandOption("--decoder-epochs <N>")]
    [Description("Epochs of the decoder when it runs.")]
    [DefaultValue(5)]
    public int DecoderEpochs { get; init; } = ReportOptions.Default.Decoder.Epochs;

    /// <summary>Data folder override.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the data set files (default: the run's).")]
    public string? DataDir { get; init; }

    /// <summary>Device.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    /// <summary>The report settings these options describe.</summary>
    public ReportOptions ToOptions() => ReportOptions.Default with
    {
        CheckpointFile = Checkpoint,
        UseCheckpoint = !NoCheckpoint,
        RunDecoder = !NoDecoder,
        SubsetSize = Subset,
        Decoder = ReportOptions.Default.Decoder with { Epochs = DecoderEpochs },
        DataDir = DataDir,
        Device = Device,
    };

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(RunDirectory)) return ValidationResult.Error("RUN_DIR is required.");
        if (!Directory.Exists(RunDirectory)) return ValidationResult.Error($"Run folder '{RunDirectory}' does not exist.");
        if (!File.Exists(Path.Combine(RunDirectory, SslSharp.Training.Logging.MetricsCsv.MetricsFile))
            && !File.Exists(Path.Combine(RunDirectory, SslSharp.Training.Checkpoint.LastFileName)))
            return ValidationResult.Error(
                $"'{RunDirectory}' holds no run: neither {SslSharp.Training.Logging.MetricsCsv.MetricsFile} nor {SslSharp.Training.Checkpoint.LastFileName}. " +
                "Name a folder written by 'sslsharp pretrain'.");
        if (Subset < 2) return ValidationResult.Error("--subset must be at least 2.");
        if (DecoderEpochs < 1) return ValidationResult.Error("--decoder-epochs must be at least 1.");
        return ValidationResult.Success();
    }
}
