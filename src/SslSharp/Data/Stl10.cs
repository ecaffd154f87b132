using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// STL-10: colour 96x96 images in 10 classes: 5,000 labelled training images, 8,000 labelled test
/// images and 100,000 unlabelled images for unsupervised learning, read from the official binary files.
/// </summary>
/// <remarks>
/// Coates, Lee and Ng, "An Analysis of Single-Layer Networks in Unsupervised Feature Learning",
/// AISTATS 2011 (https://cs.stanford.edu/~acoates/stl10/). The archive unpacks to <c>stl10_binary/</c>:
/// <c>train_X.bin</c>, <c>train_y.bin</c>, <c>test_X.bin</c>, <c>test_y.bin</c>, <c>unlabeled_X.bin</c>.
/// An <c>*_X.bin</c> file is a sequence of 27,648-byte images, each the red, green and blue 96x96
/// planes, every plane stored column by column (column-major: byte <c>c * 9216 + x * 96 + y</c> is
/// the pixel in row <c>y</c>, column <c>x</c>); a <c>*_y.bin</c> file holds one byte per image, the
/// label 1..10 (read here as 0..9). The unlabelled split gets label <c>-1</c>. Held in memory, the
/// 100,000 unlabelled images take 2.8 GB.
/// </remarks>
public static class Stl10
{
    /// <summary>Catalog name of the labelled splits (5,000 train / 8,000 test).</summary>
    public const string Name = "stl10";

    /// <summary>Catalog name of the pretraining set: the 100,000 unlabelled plus the 5,000 labelled training images.</summary>
    public const string UnlabeledName = "stl10-unlabeled";

    /// <summary>The folder <c>stl10_binary.tar.gz</c> unpacks to.</summary>
    public const string Folder = "stl10_binary";

    /// <summary>Side of the images in pixels.</summary>
    public const int ImageSize = 96;

    /// <summary>Bytes per image: 3 planes of 96x96.</summary>
    public const int ImageBytes = 3 * ImageSize * ImageSize;

    /// <summary>Per-channel (R, G, B) mean in [0, 1] (lightning-bolts' <c>stl10_normalization</c>).</summary>
    public static IReadOnlyList<float> Mean { get; } = new[] { 0.4467f, 0.4398f, 0.4066f };

    /// <summary>Per-channel standard deviation in [0, 1] (lightning-bolts' <c>stl10_normalization</c>).</summary>
    public static IReadOnlyList<float> Std { get; } = new[] { 0.2603f, 0.2566f, 0.2713f };

    /// <summary>The 10 class names, indexed by label (0-based; as in <c>class_names.txt</c>).</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[]
    {
        "airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck",
    };

    /// <summary>Where to get STL-10, appended to every "file missing or corrupt" message.</summary>
    public static string Hint => DatasetDownload.HintFor(DatasetDownload.Stl10);

    /// <summary>The images file of a split.</summary>
    public static string ImagesFile(Stl10Split split) => split switch
    {
        Stl10Split.Train => "train_X.bin",
        Stl10Split.Test => "test_X.bin",
        Stl10Split.Unlabeled => "unlabeled_X.bin",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown STL-10 split."),
    };

    /// <summary>The labels file of a split (null for the unlabelled one).</summary>
    public static string? LabelsFile(Stl10Split split) => split switch
    {
        Stl10Split.Train => "train_y.bin",
        Stl10Split.Test => "test_y.bin",
        _ => null,
    };

    /// <summary>Loads one split from <paramref name="dataDir"/> or its <c>stl10_binary</c> sub-folder.</summary>
    /// <returns>A data set of <c>uint8 [N, 3, 96, 96]</c> images named <c>stl10-train</c>, <c>stl10-test</c> or <c>stl10-unlabeled</c>.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is empty or truncated, images and labels disagree, or a label is outside 1..10.</exception>
    public static ImageDataset Load(string? dataDir, Stl10Split split) => LoadSplits(dataDir, new[] { split }, $"{Name}-{split.ToString().ToLowerInvariant()}");

    /// <summary>
    /// Loads several splits into one data set, in the order given (e.g. unlabelled + train for
    /// pretraining), filling one tensor so that no second copy of the images is made.
    /// </summary>
    public static ImageDataset LoadSplits(string? dataDir, IReadOnlyList<Stl10Split> splits, string name)
    {
        ArgumentNullException.ThrowIfNull(splits);
        if (splits.Count == 0) throw new ArgumentException("Name at least one STL-10 split.", nameof(splits));
        string folder = BinaryRecordFile.ResolveFolder(dataDir, Folder, ImagesFile(splits[0]), "STL-10", Hint);
        var imagePaths = splits.Select(s => Path.Combine(folder, ImagesFile(s))).ToArray();
        var counts = imagePaths.Select(p => BinaryRecordFile.CountRecords(p, ImageBytes, "STL-10 image (3 x 96 x 96 bytes)", Hint)).ToArray();
        var labelArrays = splits.Select((s, i) => LabelsFile(s) is { } f ? ReadLabels(Path.Combine(folder, f), counts[i], imagePaths[i]) : null).ToArray();

        long total = counts.Sum();
        var images = torch.empty(new[] { total, 3L, ImageSize, ImageSize }, ScalarType.Byte);
        var labels = torch.empty(new[] { total }, ScalarType.Int64);
        try
        {
            long start = 0;
            for (int i = 0; i < imagePaths.Length; i++)
            {
                using var scope = torch.NewDisposeScope();
                ReadImagesInto(imagePaths[i], counts[i], images.narrow(0, start, counts[i]));
                using (var l = labelArrays[i] is { } arr ? torch.tensor(arr) : torch.full(counts[i], -1L, ScalarType.Int64))
                    labels.narrow(0, start, counts[i]).copy_(l);
                start += counts[i];
            }
        }
        catch
        {
            images.Dispose();
            labels.Dispose();
            throw;
        }
        return Cifar.Own(images, labels, name, ClassNames);
    }

    /// <summary>Reads <paramref name="count"/> column-major images into <paramref name="destination"/> <c>uint8 [count, 3, 96, 96]</c> (row-major).</summary>
    private static void ReadImagesInto(string path, long count, Tensor destination)
    {
        const int chunk = 1000;
        var buffer = new byte[chunk * ImageBytes];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        for (long start = 0; start < count; start += chunk)
        {
            int n = (int)Math.Min(chunk, count - start);
            var span = buffer.AsSpan(0, n * ImageBytes);
            BinaryRecordFile.ReadExactly(stream, span, path, Hint);
            using var scope = torch.NewDisposeScope();
            // Stored [n, C, x, y] (column-major planes): swap the last two axes to [n, C, y, x].
            var stored = torch.tensor(span.ToArray(), new[] { (long)n, 3, ImageSize, ImageSize });
            destination.narrow(0, start, n).copy_(stored.transpose(2, 3));
        }
    }

    /// <summary>Reads a labels file: one byte per image, 1..10, returned 0-based.</summary>
    private static long[] ReadLabels(string path, long expected, string imagesPath)
    {
        long n = BinaryRecordFile.CountRecords(path, 1, "STL-10 label byte", Hint);
        if (n != expected)
            throw new InvalidDataException(
                $"'{Path.GetFullPath(path)}' holds {n} labels but '{Path.GetFullPath(imagesPath)}' holds {expected} images; " +
                $"the files belong to different splits or one is truncated. {Hint}");
        var bytes = File.ReadAllBytes(path);
        var labels = new long[n];
        for (long i = 0; i < n; i++)
        {
            if (bytes[i] is < 1 or > 10)
                throw new InvalidDataException(
                    $"'{Path.GetFullPath(path)}' label {i} is {bytes[i]}, but STL-10 labels lie in 1..10: the file is damaged. {Hint}");
            labels[i] = bytes[i] - 1;
        }
        return labels;
    }
}
