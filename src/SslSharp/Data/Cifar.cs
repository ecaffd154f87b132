using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// CIFAR-10 and CIFAR-100: 60,000 colour 32x32 images (50,000 train, 10,000 test) in 10 or 100
/// classes, read from the binary version of the official archives.
/// </summary>
/// <remarks>
/// Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009
/// (https://www.cs.toronto.edu/~kriz/cifar.html). Binary format: a file is a sequence of records,
/// each one label byte (CIFAR-10) or a coarse and a fine label byte (CIFAR-100), followed by 3,072
/// pixel bytes: the 1,024 red, then green, then blue values of the 32x32 image, each plane row by row.
/// CIFAR-10 unpacks to <c>cifar-10-batches-bin/</c> (<c>data_batch_1.bin</c> .. <c>data_batch_5.bin</c>,
/// <c>test_batch.bin</c>); CIFAR-100 to <c>cifar-100-binary/</c> (<c>train.bin</c>, <c>test.bin</c>).
/// Any whole number of records is read, so small files in the same format work too.
/// </remarks>
public static class Cifar
{
    /// <summary>Catalog name of CIFAR-10.</summary>
    public const string Cifar10Name = "cifar10";

    /// <summary>Catalog name of CIFAR-100 with its 100 fine labels.</summary>
    public const string Cifar100Name = "cifar100";

    /// <summary>Catalog name of CIFAR-100 with its 20 coarse labels (superclasses).</summary>
    public const string Cifar100CoarseName = "cifar100-coarse";

    /// <summary>The folder <c>cifar-10-binary.tar.gz</c> unpacks to.</summary>
    public const string Cifar10Folder = "cifar-10-batches-bin";

    /// <summary>The folder <c>cifar-100-binary.tar.gz</c> unpacks to.</summary>
    public const string Cifar100Folder = "cifar-100-binary";

    /// <summary>Side of the images in pixels.</summary>
    public const int ImageSize = 32;

    /// <summary>Pixel bytes per image: 3 planes of 32x32.</summary>
    public const int PixelBytes = 3 * ImageSize * ImageSize;

    /// <summary>The CIFAR-10 training files, in order.</summary>
    public static IReadOnlyList<string> Cifar10TrainFiles { get; } =
        Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray();

    /// <summary>The CIFAR-10 test file.</summary>
    public const string Cifar10TestFile = "test_batch.bin";

    /// <summary>The CIFAR-100 training file.</summary>
    public const string Cifar100TrainFile = "train.bin";

    /// <summary>The CIFAR-100 test file.</summary>
    public const string Cifar100TestFile = "test.bin";

    /// <summary>Per-channel (R, G, B) mean of the CIFAR-10 training images in [0, 1] (the usual values).</summary>
    public static IReadOnlyList<float> Cifar10Mean { get; } = new[] { 0.4914f, 0.4822f, 0.4465f };

    /// <summary>Per-channel standard deviation of the CIFAR-10 training pixels in [0, 1].</summary>
    public static IReadOnlyList<float> Cifar10Std { get; } = new[] { 0.2470f, 0.2435f, 0.2616f };

    /// <summary>Per-channel (R, G, B) mean of the CIFAR-100 training images in [0, 1].</summary>
    public static IReadOnlyList<float> Cifar100Mean { get; } = new[] { 0.5071f, 0.4865f, 0.4409f };

    /// <summary>Per-channel standard deviation of the CIFAR-100 training pixels in [0, 1].</summary>
    public static IReadOnlyList<float> Cifar100Std { get; } = new[] { 0.2673f, 0.2564f, 0.2762f };

    /// <summary>The 10 CIFAR-10 class names, indexed by label (as in <c>batches.meta.txt</c>).</summary>
    public static IReadOnlyList<string> Cifar10ClassNames { get; } = new[]
    {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    };

    /// <summary>The 20 CIFAR-100 superclass names, indexed by coarse label (as in <c>coarse_label_names.txt</c>).</summary>
    public static IReadOnlyList<string> Cifar100CoarseClassNames { get; } = new[]
    {
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
        "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
        "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
        "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
        "vehicles_1", "vehicles_2",
    };

    /// <summary>The 100 CIFAR-100 class names, indexed by fine label (as in <c>fine_label_names.txt</c>).</summary>
    public static IReadOnlyList<string> Cifar100ClassNames { get; } = new[]
    {
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    };

    /// <summary>Where to get CIFAR-10, appended to every "file missing or corrupt" message.</summary>
    public static string Cifar10Hint => DatasetDownload.HintFor(DatasetDownload.Cifar10);

    /// <summary>Where to get CIFAR-100, appended to every "file missing or corrupt" message.</summary>
    public static string Cifar100Hint => DatasetDownload.HintFor(DatasetDownload.Cifar100);

    /// <summary>
    /// Loads the CIFAR-10 training split (the five <c>data_batch_*.bin</c>, in order) or the test split
    /// (<c>test_batch.bin</c>) from <paramref name="dataDir"/> or its <c>cifar-10-batches-bin</c> sub-folder.
    /// </summary>
    /// <returns>A data set of <c>uint8 [N, 3, 32, 32]</c> images named <c>cifar10-train</c> or <c>cifar10-test</c>.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is empty, truncated or holds a label outside 0..9.</exception>
    public static ImageDataset LoadCifar10(string? dataDir, bool train)
    {
        var files = train ? Cifar10TrainFiles : new[] { Cifar10TestFile };
        string folder = BinaryRecordFile.ResolveFolder(dataDir, Cifar10Folder, files[0], "CIFAR-10", Cifar10Hint);
        var (images, labels) = ReadRecords(files.Select(f => Path.Combine(folder, f)).ToArray(), labelBytes: 1, labelIndex: 0,
            Cifar10ClassNames.Count, "CIFAR-10", Cifar10Hint);
        return Own(images, labels, $"{Cifar10Name}-{(train ? "train" : "test")}", Cifar10ClassNames);
    }

    /// <summary>
    /// Loads the CIFAR-100 training (<c>train.bin</c>) or test (<c>test.bin</c>) split from
    /// <paramref name="dataDir"/> or its <c>cifar-100-binary</c> sub-folder, with the fine (100
    /// classes) or coarse (20 superclasses) labels.
    /// </summary>
    /// <returns>A data set of <c>uint8 [N, 3, 32, 32]</c> images named <c>cifar100[-coarse]-train</c> or <c>-test</c>.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is empty, truncated or holds a label out of range.</exception>
    public static ImageDataset LoadCifar100(string? dataDir, bool train, bool coarse = false)
    {
        string file = train ? Cifar100TrainFile : Cifar100TestFile;
        string folder = BinaryRecordFile.ResolveFolder(dataDir, Cifar100Folder, file, "CIFAR-100", Cifar100Hint);
        var names = coarse ? Cifar100CoarseClassNames : Cifar100ClassNames;
        var (images, labels) = ReadRecords(new[] { Path.Combine(folder, file) }, labelBytes: 2, labelIndex: coarse ? 0 : 1,
            names.Count, "CIFAR-100", Cifar100Hint);
        return Own(images, labels, $"{(coarse ? Cifar100CoarseName : Cifar100Name)}-{(train ? "train" : "test")}", names);
    }

    /// <summary>
    /// Reads CIFAR records from <paramref name="paths"/> (concatenated in order): images
    /// <c>uint8 [N, 3, 32, 32]</c> and the label at byte <paramref name="labelIndex"/> of each record, <c>int64 [N]</c>.
    /// </summary>
    internal static (Tensor Images, Tensor Labels) ReadRecords(string[] paths, int labelBytes, int labelIndex, int numClasses,
        string dataSet, string hint)
    {
        int recordBytes = labelBytes + PixelBytes;
        string what = $"{dataSet} record ({labelBytes} label byte{(labelBytes == 1 ? "" : "s")} + {PixelBytes} pixel bytes)";
        var counts = paths.Select(p => BinaryRecordFile.CountRecords(p, recordBytes, what, hint)).ToArray();
        long total = counts.Sum();
        var images = torch.empty(new[] { total, 3L, ImageSize, ImageSize }, ScalarType.Byte);
        var labels = torch.empty(new[] { total }, ScalarType.Int64);
        try
        {
            long start = 0;
            for (int f = 0; f < paths.Length; f++)
            {
                var bytes = new byte[counts[f] * recordBytes];
                using (var stream = new FileStream(paths[f], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                    BinaryRecordFile.ReadExactly(stream, bytes, paths[f], hint);
                for (long r = 0; r < counts[f]; r++)
                {
                    int label = bytes[r * recordBytes + labelIndex];
                    if (label >= numClasses)
                        throw new InvalidDataException(
                            $"'{Path.GetFullPath(paths[f])}' record {r} has label {label}, but {dataSet} labels lie in 0..{numClasses - 1}: " +
                            $"the file is damaged or belongs to another data set. {hint}");
                }
                using var scope = torch.NewDisposeScope();
                var records = torch.tensor(bytes, new[] { counts[f], (long)recordBytes });
                images.narrow(0, start, counts[f]).copy_(records.narrow(1, labelBytes, PixelBytes).reshape(counts[f], 3, ImageSize, ImageSize));
                labels.narrow(0, start, counts[f]).copy_(records.select(1, labelIndex).to(ScalarType.Int64));
                start += counts[f];
            }
            return (images, labels);
        }
        catch
        {
            images.Dispose();
            labels.Dispose();
            throw;
        }
    }

    internal static ImageDataset Own(Tensor images, Tensor labels, string name, IReadOnlyList<string> classNames)
    {
        try
        {
            return new ImageDataset(images, labels, name, classNames);
        }
        catch
        {
            images.Dispose();
            labels.Dispose();
            throw;
        }
    }
}
