using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>
/// Options of the commands that run a trained model over a data set (<c>eval knn|linear|finetune|guillotine|decoder</c>, <c>embed</c>):
/// the checkpoint, data and device (<see cref="CheckpointSettings"/>), a folder data set's decode size, the download and the limit.
/// </summary>
public abstract class ModelDataSettings : CheckpointSettings
{
    /// <summary>Folder data sets: decode size.</summary>
    [CommandOption("--image-size <PX>")]
    [Description("--dataset folder: resize each image's shorter side to PX and keep the centre square. Default: the size the checkpoint was trained at (its image_size, or its data set's size).")]
    public int? ImageSize { get; init; }

    /// <summary>Fetch the data set's official archive into <see cref="CheckpointSettings.DataDir"/> first.</summary>
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
        var (dataset, dataDir) = ToData().Source(Runs.CheckpointEvaluator.ReadConfig(Checkpoint));
        DatasetFetch.Run(dataset, dataDir, DownloadFrom, ct);
    }

    /// <summary>Which images the command reads (<c>--dataset --data-dir --image-size --limit</c>), for <see cref="Runs.CheckpointEvaluator"/>.</summary>
    internal virtual Runs.EvaluationData ToData() =>
        new() { Dataset = Dataset, DataDir = DataDir, ImageSize = ImageSize, Limit = Limit };

    /// <summary>Use only the first N training and test images (smoke runs and tests).</summary>
    [CommandOption("--limit <N>", IsHidden = true)]
    public int? Limit { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } failed) return failed;
        if (Limit is < 2) return ValidationResult.Error("--limit must be at least 2.");
        if (DownloadFrom is not null && !Download) return ValidationResult.Error("--download-from only takes effect with --download.");
        return ValidationResult.Success();
    }
}
