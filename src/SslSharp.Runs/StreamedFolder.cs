using SslSharp.Augment;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Imaging;

namespace SslSharp.Runs;

/// <summary>
/// The data of a run that streams an image folder from disk (<see cref="RunConfig.Workers"/> &gt; 0): the training
/// files, split exactly as the in-memory folder splits them, a <see cref="StreamingLoader"/> over them, and the small
/// in-memory sets the evaluations need: the evaluation split (test, held-out or validation images) and a bank of at most
/// <see cref="BankImages"/> training images for kNN, the label-free diagnostics and the raw-pixel baseline.
/// </summary>
/// <remarks>
/// When every file is readable and the training set has at most <see cref="BankImages"/> images, a streamed run
/// trains and evaluates on exactly what the in-memory run does (the same batches, bank and evaluation set):
/// docs/data.md#streaming.
/// </remarks>
public sealed class StreamedFolder : IDisposable
{
    /// <summary>The most training images decoded into memory as the kNN bank of a streamed run (a seeded subset when there are more).</summary>
    public const int BankImages = 10_000;

    private StreamedFolder(ImageFolderListing trainFiles, ImageDataset bank, ImageDataset eval, string evaluatedOn, ImageFolderOptions options)
    {
        TrainFiles = trainFiles;
        Bank = bank;
        Eval = eval;
        EvaluatedOn = evaluatedOn;
        Options = options;
    }

    /// <summary>The training files (streamed).</summary>
    public ImageFolderListing TrainFiles { get; }

    /// <summary>Training images in memory for kNN and diagnostics: all of them, or a seeded subset of <see cref="BankImages"/>.</summary>
    public ImageDataset Bank { get; }

    /// <summary>The evaluation set, in memory.</summary>
    public ImageDataset Eval { get; }

    /// <summary>Which split <see cref="Eval"/> is, for the summary.</summary>
    public string EvaluatedOn { get; }

    /// <summary>The folder's decode options.</summary>
    public ImageFolderOptions Options { get; }

    /// <summary>Lists and splits the folder of <paramref name="config"/> and decodes the evaluation set and the bank.</summary>
    /// <exception cref="ArgumentException">The data set is not a folder, or the validation split is out of range.</exception>
    public static StreamedFolder Open(RunConfig config, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!string.Equals(DatasetCatalog.Find(config.Dataset).Name, ImageFolder.Name, StringComparison.Ordinal))
            throw new ArgumentException($"workers {config.Workers} streams image folders only (--dataset folder); '{config.Dataset}' is read into memory: use --workers 0.");
        var options = RunData.FolderOptions(config);
        var (train, test, split) = ImageFolder.ListSplits(config.DataDir);
        string testName = split ? $"folder-{Path.GetFileName(test!.Root)}" : "folder-heldout";
        if (!split)
        {
            if (train.Files.Count < 2)
                throw new InvalidDataException($"The image folder '{train.Root}' has only {train.Files.Count} image; a training and a test set need at least 2.");
            (train, test) = train.SplitSeeded(train.Files.Count - ImageFolder.HeldOutCount(options, train.Files.Count), 0);
        }
        string evaluatedOn = $"test split: {test!.Files.Count} images of {testName}";
        long n = config.ValidationCount(train.Files.Count);
        if (n > 0)
        {
            (train, test) = train.SplitSeeded(train.Files.Count - n, unchecked((long)SplitMix64.Mix(config.Seed, PretrainRunner.ValidationStream)));
            testName = "folder-train-val";
            evaluatedOn = $"validation split: {n} of the {n + train.Files.Count} training images held out (seed {config.Seed}); the test set is not used";
        }
        var bankFiles = train.Files.Count <= BankImages ? train : train.SplitSeeded(BankImages, unchecked((long)SplitMix64.Mix(config.Seed, BankStream))).First;
        var eval = ImageFolder.Read(test, testName, SkiaImageDecoder.Instance, options, warn);
        try
        {
            var bank = ImageFolder.Read(bankFiles, "folder-train", SkiaImageDecoder.Instance, options, warn);
            return new StreamedFolder(train, bank, eval, evaluatedOn, options);
        }
        catch
        {
            eval.Dispose();
            throw;
        }
    }

    /// <summary>A streaming loader over <see cref="TrainFiles"/> with <see cref="RunConfig.Workers"/> threads.</summary>
    public StreamingLoader CreateLoader(RunConfig config, int batchSize, IViewGenerator views, int shardIndex, int shardCount, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new StreamingLoader(TrainFiles, SkiaImageDecoder.Instance, Options, batchSize, views, config.Seed,
            workers: config.Workers, prefetch: Math.Max(Prefetch, config.Workers), warn: warn)
        {
            ShardIndex = shardIndex,
            ShardCount = shardCount,
        };
    }

    /// <summary>One line for the summary: how the training images were read.</summary>
    public string Describe(int workers) =>
        $"streamed from disk by {workers} worker thread{(workers == 1 ? "" : "s")} ({TrainFiles.Files.Count} files); kNN bank and diagnostics: " +
        (Bank.Count < TrainFiles.Files.Count ? $"a seeded subset of {Bank.Count} training images" : "all training images");

    /// <summary>Frees the bank and the evaluation set.</summary>
    public void Dispose()
    {
        Bank.Dispose();
        Eval.Dispose();
    }

    /// <summary>Batches ready ahead of the training step (at least one per worker).</summary>
    private const int Prefetch = 4;

    private const long BankStream = 0x62616e6b; // "bank"
}
