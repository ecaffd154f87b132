using System.Reflection;
using SslSharp.Augment.Presets;
using SslSharp.Augment;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// Fashion-MNIST: 70,000 grey 28x28 images of clothing in 10 classes (60,000 train, 10,000 test),
/// read from IDX files in any folder, or from the copy of the test split built into SslSharp.
/// </summary>
/// <remarks>
/// Xiao, Rasul and Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine
/// Learning Algorithms", arXiv:1708.07747, 2017 (https://github.com/zalandoresearch/fashion-mnist,
/// MIT licence; see <see cref="EmbeddedLicense"/>). The full set comes with Debian's package
/// <c>dataset-fashion-mnist</c>, in <see cref="DefaultDataDir"/>.
/// <para>
/// The embedded default (<see cref="LoadEmbedded"/>, <see cref="EmbeddedSplit"/>) is the 10,000
/// test images, compiled into SslSharp.dll so that the library works out of the box from any
/// working directory and after <c>dotnet publish</c>. <see cref="EmbeddedSplit"/> cuts it once,
/// by a fixed seeded permutation, into 8,000 images for self-supervised pretraining and 2,000
/// held-out images; the held-out 2,000 are the evaluation set of kNN and linear probes, and the
/// 8,000 are both the SSL training set and the kNN memory bank (labels of the 8,000 are used
/// only by evaluations, never by pretraining).
/// </para>
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> installs the IDX files.</summary>
    public const string DefaultDataDir = "/usr/share/datasets/fashion-mnist";

    /// <summary>Name of the full data set (<see cref="Load"/>).</summary>
    public const string Name = "fashion-mnist";

    /// <summary>Name of the embedded test split (<see cref="LoadEmbedded"/>).</summary>
    public const string EmbeddedName = "fashion-mnist-embedded";

    /// <summary>Images of the embedded split used for pretraining (and as the kNN memory bank).</summary>
    public const int EmbeddedTrainCount = 8000;

    /// <summary>Images of the embedded split held out for evaluation (kNN and probe test set).</summary>
    public const int EmbeddedHeldOutCount = 2000;

    /// <summary>Where to get the data, appended to every "file missing or corrupt" message.</summary>
    public const string DataHint =
        "Install Debian's dataset-fashion-mnist (apt install dataset-fashion-mnist), which puts the IDX files in " +
        DefaultDataDir + ", or download them from https://github.com/zalandoresearch/fashion-mnist and pass their folder with --data-dir.";

    private const string ResourcePrefix = "SslSharp.Data.FashionMnist.";

    /// <summary>Mean pixel value of the 60k training images, in [0, 1] (the usual 0.2860).</summary>
    public static IReadOnlyList<float> Mean { get; } = new[] { 0.2860f };

    /// <summary>Standard deviation of the pixel values of the 60k training images, in [0, 1] (the usual 0.3530).</summary>
    public static IReadOnlyList<float> Std { get; } = new[] { 0.3530f };

    /// <summary>SimCLR's two-view generator for Fashion-MNIST (28 x 28, 1 channel, <see cref="Mean"/> and <see cref="Std"/>).</summary>
    public static TwoViewTransform SimCLRViews() => SimCLRAugment.Create(28, 1, Mean, Std);

    /// <summary>The evaluation transform for Fashion-MNIST (to float / 255, normalised with <see cref="Mean"/> and <see cref="Std"/>).</summary>
    public static IBatchTransform EvalTransform() => SimCLRAugment.Eval(Mean, Std);

    /// <summary>The 10 class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>
    /// Loads the train (60,000) or test (10,000) split from <c>train-*</c> / <c>t10k-*</c>
    /// <c>-images-idx3-ubyte[.gz]</c> and <c>-labels-idx1-ubyte[.gz]</c> in <paramref name="dataDir"/>.
    /// </summary>
    /// <param name="dataDir">The folder holding the IDX files, e.g. <see cref="DefaultDataDir"/>.</param>
    /// <param name="train">True for the training split, false for the test split.</param>
    /// <returns>A data set of <c>uint8 [N, 1, 28, 28]</c> images named <c>fashion-mnist-train</c> or <c>fashion-mnist-test</c>.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing (under both names, with and without <c>.gz</c>).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or images and labels disagree.</exception>
    public static ImageDataset Load(string dataDir, bool train)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        if (File.Exists(dataDir))
            throw new DirectoryNotFoundException(
                $"'{Path.GetFullPath(dataDir)}' is a file; --data-dir names the folder that holds the Fashion-MNIST IDX files. {DataHint}");
        if (!Directory.Exists(dataDir))
            throw new DirectoryNotFoundException($"The Fashion-MNIST folder '{Path.GetFullPath(dataDir)}' does not exist. {DataHint}");
        string prefix = train ? "train" : "t10k";
        string imagesPath = FindFile(dataDir, $"{prefix}-images-idx3-ubyte");
        string labelsPath = FindFile(dataDir, $"{prefix}-labels-idx1-ubyte");
        var images = IdxReader.ReadImages(imagesPath, DataHint);
        Tensor? labels = null;
        try
        {
            labels = IdxReader.ReadLabels(labelsPath, DataHint);
            CheckPair(images, labels, imagesPath, labelsPath);
            return new ImageDataset(images, labels, $"{Name}-{(train ? "train" : "test")}", ClassNames);
        }
        catch
        {
            images.Dispose();
            labels?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the Fashion-MNIST test split embedded in SslSharp.dll: 10,000 images
    /// <c>uint8 [10000, 1, 28, 28]</c>, 1,000 per class.
    /// </summary>
    /// <returns>A new data set named <c>fashion-mnist-embedded</c>, owned by the caller.</returns>
    public static ImageDataset LoadEmbedded()
    {
        var images = ReadResource("t10k-images-idx3-ubyte.gz", IdxReader.ReadImages);
        Tensor? labels = null;
        try
        {
            labels = ReadResource("t10k-labels-idx1-ubyte.gz", IdxReader.ReadLabels);
            CheckPair(images, labels, "embedded t10k-images", "embedded t10k-labels");
            return new ImageDataset(images, labels, EmbeddedName, ClassNames);
        }
        catch
        {
            images.Dispose();
            labels?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The fixed split of the embedded data: <see cref="EmbeddedTrainCount"/> (8,000) images for
    /// self-supervised pretraining, which are also the kNN memory bank, and
    /// <see cref="EmbeddedHeldOutCount"/> (2,000) held-out images, the evaluation set of kNN and
    /// linear probes. The two are disjoint and the same seed always gives the same split.
    /// </summary>
    /// <param name="seed">Seed of the split; keep the default 0 to compare with published numbers.</param>
    /// <returns>
    /// <c>Train</c> (<c>fashion-mnist-embedded-train</c>, 8,000 images) and <c>HeldOut</c>
    /// (<c>fashion-mnist-embedded-heldout</c>, 2,000 images), both owned by the caller.
    /// </returns>
    public static (ImageDataset Train, ImageDataset HeldOut) EmbeddedSplit(long seed = 0)
    {
        using var all = LoadEmbedded();
        return ImageDataset.SplitSeeded(all, EmbeddedTrainCount, seed, $"{EmbeddedName}-train", $"{EmbeddedName}-heldout");
    }

    /// <summary>The licence and provenance of the embedded data (MIT, Zalando SE).</summary>
    public static string EmbeddedLicense
    {
        get
        {
            using var stream = OpenResource("LICENSE");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    private static string FindFile(string dataDir, string baseName)
    {
        string gz = Path.Combine(dataDir, baseName + ".gz");
        string raw = Path.Combine(dataDir, baseName);
        if (File.Exists(gz)) return gz;
        if (File.Exists(raw)) return raw;
        throw new FileNotFoundException(
            $"Fashion-MNIST file '{baseName}' is missing: neither '{Path.GetFullPath(gz)}' nor '{Path.GetFullPath(raw)}' exists. {DataHint}", gz);
    }

    private static void CheckPair(Tensor images, Tensor labels, string imagesSource, string labelsSource)
    {
        if (images.shape[0] != labels.shape[0])
            throw new InvalidDataException(
                $"'{imagesSource}' holds {images.shape[0]} images but '{labelsSource}' holds {labels.shape[0]} labels; the files belong to different splits or one is damaged. {DataHint}");
        if (images.shape[2] != 28 || images.shape[3] != 28)
            throw new InvalidDataException(
                $"'{imagesSource}' holds {images.shape[2]}x{images.shape[3]} images, but Fashion-MNIST images are 28x28. {DataHint}");
        using var maxT = labels.max();
        long max = maxT.item<long>();
        if (max >= ClassNames.Count)
            throw new InvalidDataException($"'{labelsSource}' holds label {max}, but Fashion-MNIST has {ClassNames.Count} classes (0..9). {DataHint}");
    }

    private static T ReadResource<T>(string file, Func<Stream, string, string?, T> read)
    {
        using var stream = OpenResource(file);
        return read(stream, $"embedded resource {ResourcePrefix}{file}", "SslSharp.dll is damaged; rebuild or reinstall it.");
    }

    private static Stream OpenResource(string file) =>
        typeof(FashionMnist).Assembly.GetManifestResourceStream(ResourcePrefix + file)
        ?? throw new FileNotFoundException(
            $"SslSharp.dll has no embedded resource '{ResourcePrefix}{file}'; it was built without data/fashion-mnist. " +
            $"Rebuild from a full checkout, or load the data from a folder with FashionMnist.Load. {DataHint}");
}
