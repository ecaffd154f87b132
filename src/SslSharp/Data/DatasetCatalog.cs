namespace SslSharp.Data;

/// <summary>
/// Resolves a data-set name (as given on the command line or in a preset) and an optional data
/// folder into a (train, test) pair of <see cref="ImageDataset"/>s.
/// </summary>
/// <remarks>
/// Built in: <c>fashion-mnist-embedded</c> (the default; the 10,000 embedded test images split
/// 8,000 / 2,000, see <see cref="FashionMnist.EmbeddedSplit"/>) and <c>fashion-mnist</c> (60,000 /
/// 10,000 from IDX files, default folder <see cref="FashionMnist.DefaultDataDir"/>), <c>cifar10</c>,
/// <c>cifar100</c>, <c>cifar100-coarse</c> (<see cref="Cifar"/>), <c>stl10</c> and <c>stl10-unlabeled</c>
/// (<see cref="Stl10"/>), and <c>folder</c> (<see cref="ImageFolder"/>: a placeholder here, as decoding
/// needs an imaging library; <see cref="ImageFolder.Entry"/> makes the loading entry). Further sets plug
/// in through <see cref="Register"/> without changing callers. For a pretraining run, <c>Train</c> is the SSL training set and the kNN memory bank,
/// and <c>Test</c> is the evaluation set of kNN and linear probes.
/// </remarks>
public static class DatasetCatalog
{
    /// <summary>The data set used when none is named: <c>fashion-mnist-embedded</c>.</summary>
    public const string DefaultName = FashionMnist.EmbeddedName;

    private static readonly object Gate = new();
    private static readonly List<DatasetEntry> EntryList =
    [
        new(FashionMnist.EmbeddedName,
            $"Fashion-MNIST test split built into SslSharp: {FashionMnist.EmbeddedTrainCount} train / {FashionMnist.EmbeddedHeldOutCount} held-out images, 1x28x28, 10 classes; needs no files.",
            (_, seed) => FashionMnist.EmbeddedSplit(seed), FashionMnist.Mean, FashionMnist.Std),
        new(FashionMnist.Name,
            $"Fashion-MNIST: 60000 train / 10000 test images, 1x28x28, 10 classes; IDX files from --data-dir (default {FashionMnist.DefaultDataDir}).",
            (dir, _) => LoadFashionMnist(dir ?? FashionMnist.DefaultDataDir), FashionMnist.Mean, FashionMnist.Std),
        new(Cifar.Cifar10Name,
            "CIFAR-10: 50000 train / 10000 test images, 3x32x32, 10 classes; binary files from --data-dir (cifar-10-batches-bin; --download fetches them).",
            (dir, _) => Pair(() => Cifar.LoadCifar10(dir, train: true), () => Cifar.LoadCifar10(dir, train: false)),
            Cifar.Cifar10Mean, Cifar.Cifar10Std, Cifar.ImageSize, DatasetDownload.Cifar10),
        new(Cifar.Cifar100Name,
            "CIFAR-100: 50000 train / 10000 test images, 3x32x32, 100 classes (fine labels); binary files from --data-dir (cifar-100-binary; --download fetches them).",
            (dir, _) => Pair(() => Cifar.LoadCifar100(dir, train: true), () => Cifar.LoadCifar100(dir, train: false)),
            Cifar.Cifar100Mean, Cifar.Cifar100Std, Cifar.ImageSize, DatasetDownload.Cifar100),
        new(Cifar.Cifar100CoarseName,
            "CIFAR-100 with its 20 coarse labels (superclasses): 50000 train / 10000 test images, 3x32x32; the same files as cifar100.",
            (dir, _) => Pair(() => Cifar.LoadCifar100(dir, train: true, coarse: true), () => Cifar.LoadCifar100(dir, train: false, coarse: true)),
            Cifar.Cifar100Mean, Cifar.Cifar100Std, Cifar.ImageSize, DatasetDownload.Cifar100),
        new(Stl10.Name,
            "STL-10 labelled splits: 5000 train / 8000 test images, 3x96x96, 10 classes; binary files from --data-dir (stl10_binary; --download fetches them).",
            (dir, _) => Pair(() => Stl10.Load(dir, Stl10Split.Train), () => Stl10.Load(dir, Stl10Split.Test)),
            Stl10.Mean, Stl10.Std, Stl10.ImageSize, DatasetDownload.Stl10),
        new(Stl10.UnlabeledName,
            "STL-10 for pretraining: the 100000 unlabelled + 5000 labelled train images (2.9 GB in memory) / 8000 test images, 3x96x96; kNN and probes use the labelled ones.",
            (dir, _) => Pair(() => Stl10.LoadSplits(dir, new[] { Stl10Split.Unlabeled, Stl10Split.Train }, $"{Stl10.UnlabeledName}-train"),
                () => Stl10.Load(dir, Stl10Split.Test)),
            Stl10.Mean, Stl10.Std, Stl10.ImageSize, DatasetDownload.Stl10),
        ImageFolder.Placeholder,
    ];

    /// <summary>All known data sets, in registration order.</summary>
    public static IReadOnlyList<DatasetEntry> Entries
    {
        get { lock (Gate) return EntryList.ToArray(); }
    }

    /// <summary>The names of all known data sets, in registration order.</summary>
    public static IReadOnlyList<string> Names => Entries.Select(e => e.Name).ToArray();

    /// <summary>Adds a data set, or replaces the one with the same name.</summary>
    /// <param name="entry">Name, description and loader.</param>
    public static void Register(DatasetEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Name, nameof(entry));
        ArgumentNullException.ThrowIfNull(entry.Load, nameof(entry));
        lock (Gate)
        {
            int i = EntryList.FindIndex(e => string.Equals(e.Name, entry.Name, StringComparison.OrdinalIgnoreCase));
            if (i >= 0) EntryList[i] = entry;
            else EntryList.Add(entry);
        }
    }

    /// <summary>Looks a data set up by name (case-insensitive).</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static DatasetEntry Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (Gate)
        {
            return EntryList.Find(e => string.Equals(e.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException(
                    $"Unknown data set '{name}'. Known data sets: {string.Join(", ", EntryList.Select(e => e.Name))}.", nameof(name));
        }
    }

    /// <summary>Loads the (train, test) pair of the named data set.</summary>
    /// <param name="name">A name from <see cref="Names"/>; <see cref="DefaultName"/> when null.</param>
    /// <param name="dataDir">The folder holding the files; the data set's default location when null.</param>
    /// <param name="splitSeed">Seed of the train/test split for data sets cut from one pool (the embedded one); keep 0 for comparable numbers.</param>
    /// <returns>Two data sets owned by the caller.</returns>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static (ImageDataset Train, ImageDataset Test) Load(string? name = null, string? dataDir = null, long splitSeed = 0) =>
        Find(name ?? DefaultName).Load(dataDir, splitSeed);

    private static (ImageDataset Train, ImageDataset Test) LoadFashionMnist(string dir) =>
        Pair(() => FashionMnist.Load(dir, train: true), () => FashionMnist.Load(dir, train: false));

    /// <summary>Loads the training set, then the test set; frees the first when the second fails.</summary>
    private static (ImageDataset Train, ImageDataset Test) Pair(Func<ImageDataset> loadTrain, Func<ImageDataset> loadTest)
    {
        var train = loadTrain();
        try
        {
            return (train, loadTest());
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }
}
