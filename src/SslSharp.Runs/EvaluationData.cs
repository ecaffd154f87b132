namespace SslSharp.Runs;

/// <summary>
/// Which images a checkpoint is evaluated on (<see cref="CheckpointEvaluator"/>): the data set and its folder, how many
/// images, a folder data set's decode size and an optional validation split. Every value left null means the run's own
/// (or all images, or the test set). The CLI fills it once from <c>--dataset --data-dir --limit --image-size --val-split</c>.
/// </summary>
public sealed record EvaluationData
{
    /// <summary>Everything from the run: its data set and folder, all images, the size it trained at, the test set.</summary>
    public static EvaluationData Run { get; } = new();

    /// <summary>Data set to evaluate on; null for the one the run trained on.</summary>
    public string? Dataset { get; init; }

    /// <summary>Its folder; null for the run's (when <see cref="Dataset"/> is null) or the data set's default.</summary>
    public string? DataDir { get; init; }

    /// <summary>Use only the first this many training and test images (smoke runs); null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>A folder data set's decode size; null: the size the checkpoint trained at (<see cref="CheckpointEvaluator.EvaluationConfig"/>).</summary>
    public int? ImageSize { get; init; }

    /// <summary>Hold out this many training images (or this fraction) with the run's seed, as <c>pretrain --val-split</c> does
    /// (<see cref="PretrainRunner.Splits(RunConfig, SslSharp.Data.ImageDataset, SslSharp.Data.ImageDataset)"/>), train on
    /// the rest and score on them; the test set is not read. Null: the test set.</summary>
    public double? ValSplit { get; init; }

    /// <summary>The data set name and folder to read for a run configured by <paramref name="config"/>: <see cref="Dataset"/>
    /// (with <see cref="DataDir"/>, null for its default folder), else the run's data set with <see cref="DataDir"/> or the run's folder.</summary>
    public (string Dataset, string? DataDir) Source(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Dataset is null ? (config.Dataset, DataDir ?? config.DataDir) : (Dataset, DataDir);
    }
}
