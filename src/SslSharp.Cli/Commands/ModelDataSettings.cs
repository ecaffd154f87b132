using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>
/// Options of the commands that run a trained model over a data set (<c>eval *</c>, <c>embed</c>): the model, the data
/// and the device.
/// </summary>
public abstract class ModelDataSettings : CommonSettings
{
    /// <summary>Checkpoint file, run folder or safetensors export.</summary>
    [CommandOption("-c|--checkpoint|--init-from <CKPT>")]
    [Description("Checkpoint written by [green]sslsharp pretrain[/] (e.g. runs/X/last.ckpt), or a .safetensors file with its side JSON ([green]sslsharp export[/], or torchvision weights): the model to evaluate or fine-tune.")]
    public string Checkpoint { get; init; } = "";

    /// <summary>Data set override.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("Evaluate on this data set instead of the one the checkpoint was trained on.")]
    public string? Dataset { get; init; }

    /// <summary>Data folder override.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the data set files.")]
    public string? DataDir { get; init; }

    /// <summary>Folder data sets: decode size.</summary>
    [CommandOption("--image-size <PX>")]
    [Description("--dataset folder: resize each image's shorter side to PX and keep the centre square. Default: the size the checkpoint was trained at (its image_size, or its data set's size).")]
    public int? ImageSize { get; init; }

    /// <summary>Fetch the data set's official archive into <see cref="DataDir"/> first.</summary>
    [CommandOption("--download")]
    [Description("Fetch the data set's official archive (cifar10, cifar100, stl10) into --data-dir first, as pretrain --download does.")]
    public bool Download { get; init; }

    /// <summary>A mirror to download from.</summary>
    [CommandOption("--download-from <URL>")]
    [Description("With --download: fetch the archive from this base address (a mirror) instead of the official one.")]
    public string? DownloadFrom { get; init; }

    /// <summary>With <see cref="Download"/>: fetches the data set the command reads (this one's, or the checkpoint's) into its folder.</summary>
    internal void FetchData(CancellationToken ct)
    {
        if (!Download) return;
        var config = Runs.CheckpointEvaluator.ReadConfig(Checkpoint);
        DatasetFetch.Run(Dataset ?? config.Dataset, Dataset is null ? DataDir ?? config.DataDir : DataDir, DownloadFrom, ct);
    }

    /// <summary>Device.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    /// <summary>Use only the first N training and test images (smoke runs and tests).</summary>
    [CommandOption("--limit <N>", IsHidden = true)]
    public int? Limit { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint is required.");
        if (Limit is < 2) return ValidationResult.Error("--limit must be at least 2.");
        if (DownloadFrom is not null && !Download) return ValidationResult.Error("--download-from only takes effect with --download.");
        return ValidationResult.Success();
    }
}
