using SslSharp.Data;
using SslSharp.Imaging;

namespace SslSharp.Runs;

/// <summary>
/// The catalog entry a run loads its data through: <see cref="DatasetCatalog.Find"/>, except for the
/// <c>folder</c> data set, which gets an image decoder (<see cref="SkiaImageDecoder"/>) and the run's
/// image size, colour and strictness.
/// </summary>
public static class RunData
{
    /// <summary>The entry of <paramref name="dataset"/> under the folder settings of <paramref name="config"/>.</summary>
    /// <param name="dataset">A catalog name.</param>
    /// <param name="config">The run (its <see cref="RunConfig.ImageSize"/>, <see cref="RunConfig.Grey"/>, <see cref="RunConfig.Strict"/>).</param>
    /// <param name="warn">Receives a line per skipped image and their count; null: the console's error stream.</param>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known ones).</exception>
    public static DatasetEntry Entry(string dataset, RunConfig config, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var entry = DatasetCatalog.Find(dataset);
        if (!string.Equals(entry.Name, ImageFolder.Name, StringComparison.Ordinal)) return entry;
        return ImageFolder.Entry(SkiaImageDecoder.Instance, FolderOptions(config), warn);
    }

    /// <summary>The decode options of a folder data set under <paramref name="config"/> (image size, colour, strictness).</summary>
    public static ImageFolderOptions FolderOptions(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ImageFolderOptions(config.ImageSize ?? new ImageFolderOptions().ImageSize, config.Grey ? 1 : 3, config.Strict);
    }

    /// <summary>
    /// The labelled images of <paramref name="data"/> (label &gt;= 0): a view of the data set's own tensors when
    /// all are labelled, copies when only some are, null when none is.
    /// </summary>
    public static LabelledImages? Labelled(ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var mask = data.Labels.ge(0);
        long n = mask.sum().item<long>();
        if (n == 0) return null;
        if (n == data.Count) return new LabelledImages(data.Images, data.Labels, owned: false);
        var idx = mask.nonzero().flatten();
        return new LabelledImages(data.Images.index_select(0, idx).DetachFromDisposeScope(), data.Labels.index_select(0, idx).DetachFromDisposeScope(), owned: true);
    }
}
