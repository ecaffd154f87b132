using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// A folder of the user's own JPEG and PNG images as an in-memory <see cref="ImageDataset"/>: with
/// class sub-folders (the ImageNet / Imagenette layout, <c>DIR/&lt;class&gt;/*.jpg</c>) the sub-folder
/// names are the labels; with images directly in the folder it is unlabelled (label <c>-1</c>), and
/// the evaluations that need labels are skipped.
/// </summary>
/// <remarks>
/// <para>A folder with <c>train/</c> and <c>val/</c> (or <c>test/</c>) sub-folders, as Imagenette
/// unpacks, gives the training and test sets; any other folder is split by a seeded permutation, holding
/// out <see cref="ImageFolderOptions.HeldOut"/> of the images as the test set.</para>
/// <para>Every image is decoded once by an <see cref="IImageDecoder"/> (several threads), its shorter side
/// resized to <see cref="ImageFolderOptions.ImageSize"/> and the centre square kept. An unreadable,
/// truncated or empty file is skipped with a warning naming it, and a count at the end; with
/// <see cref="ImageFolderOptions.Strict"/> the first one stops the load. Files and folders whose names
/// start with a dot are ignored.</para>
/// <para>Normalisation: the ImageNet mean and standard deviation (colour), or their averages (grey):
/// the usual choice for photos whose statistics are unknown.</para>
/// </remarks>
public static class ImageFolder
{
    /// <summary>Catalog name of a folder data set.</summary>
    public const string Name = "folder";

    /// <summary>The file extensions read (case-insensitive).</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".jpg", ".jpeg", ".png" };

    /// <summary>ImageNet's per-channel mean (R, G, B), used for colour folders.</summary>
    public static IReadOnlyList<float> ColourMean { get; } = new[] { 0.485f, 0.456f, 0.406f };

    /// <summary>ImageNet's per-channel standard deviation (R, G, B), used for colour folders.</summary>
    public static IReadOnlyList<float> ColourStd { get; } = new[] { 0.229f, 0.224f, 0.225f };

    /// <summary>The average of <see cref="ColourMean"/>, used for grey folders.</summary>
    public static IReadOnlyList<float> GreyMean { get; } = new[] { 0.449f };

    /// <summary>The average of <see cref="ColourStd"/>, used for grey folders.</summary>
    public static IReadOnlyList<float> GreyStd { get; } = new[] { 0.226f };

    private const string Description =
        "Your own JPEG/PNG images from --data-dir: class sub-folders give labels (else unlabelled: kNN and probes are skipped); " +
        "train/ + val/ sub-folders give the split (else 10% held out, seeded); --image-size, --grey.";

    /// <summary>
    /// The catalog's <c>folder</c> entry before an imaging library is attached: it names the data set
    /// but cannot load it (the core library decodes no image formats). <c>SslSharp.Runs</c> replaces it
    /// per run with <see cref="Entry"/>.
    /// </summary>
    public static DatasetEntry Placeholder { get; } = new(Name, Description,
        (_, _) => throw new InvalidOperationException(
            "The folder data set needs an image decoder: load it with ImageFolder.Entry(decoder, options) " +
            "(SslSharp.Imaging.SkiaImageDecoder), as sslsharp pretrain --dataset folder does."),
        ColourMean, ColourStd, new ImageFolderOptions().ImageSize);

    /// <summary>The <c>folder</c> catalog entry that decodes with <paramref name="decoder"/> under <paramref name="options"/>.</summary>
    /// <param name="decoder">The image decoder.</param>
    /// <param name="options">Image size, channels, strictness, held-out fraction.</param>
    /// <param name="warn">Receives one line per skipped file and the count at the end; null: the console's error stream.</param>
    public static DatasetEntry Entry(IImageDecoder decoder, ImageFolderOptions options, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        bool grey = options.Channels == 1;
        return new DatasetEntry(Name, Description, (dir, seed) => Load(dir, decoder, options, seed, warn),
            grey ? GreyMean : ColourMean, grey ? GreyStd : ColourStd, options.ImageSize);
    }

    /// <summary>Lists the image files of <paramref name="dataDir"/> and their labels, without decoding them.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist or is a file.</exception>
    /// <exception cref="InvalidDataException">The folder holds no JPEG or PNG file.</exception>
    public static ImageFolderListing List(string? dataDir)
    {
        if (string.IsNullOrWhiteSpace(dataDir))
            throw new DirectoryNotFoundException("The folder data set needs --data-dir DIR: a folder of JPEG/PNG images, in class sub-folders for labels.");
        if (File.Exists(dataDir))
            throw new DirectoryNotFoundException($"'{Path.GetFullPath(dataDir)}' is a file; --data-dir names a folder of JPEG/PNG images.");
        if (!Directory.Exists(dataDir))
            throw new DirectoryNotFoundException($"The image folder '{Path.GetFullPath(dataDir)}' does not exist.");
        string root = Path.GetFullPath(dataDir);
        var top = Images(root, SearchOption.TopDirectoryOnly);
        if (top.Count > 0)
        {
            var all = Images(root, SearchOption.AllDirectories);
            return new ImageFolderListing(root, all, Enumerable.Repeat(-1L, all.Count).ToArray(), []);
        }
        var classes = Directory.EnumerateDirectories(root).Where(d => !Hidden(d))
            .Select(d => (Name: Path.GetFileName(d), Files: Images(d, SearchOption.AllDirectories)))
            .Where(c => c.Files.Count > 0)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToArray();
        if (classes.Length == 0)
            throw new InvalidDataException(
                $"The image folder '{root}' holds no JPEG or PNG file ({string.Join(", ", Extensions)}), neither directly nor in sub-folders.");
        return new ImageFolderListing(root,
            classes.SelectMany(c => c.Files).ToArray(),
            classes.SelectMany((c, i) => Enumerable.Repeat((long)i, c.Files.Count)).ToArray(),
            classes.Select(c => c.Name).ToArray());
    }

    /// <summary>
    /// Loads the training and test sets of <paramref name="dataDir"/>: its <c>train/</c> and <c>val/</c>
    /// (or <c>test/</c>) sub-folders when it has both, otherwise a seeded split of all its images.
    /// </summary>
    /// <param name="dataDir">The folder.</param>
    /// <param name="decoder">The image decoder.</param>
    /// <param name="options">Image size, channels, strictness, held-out fraction.</param>
    /// <param name="splitSeed">Seed of the held-out split (when the folder has no split of its own).</param>
    /// <param name="warn">Receives one line per skipped file and the count at the end; null: the console's error stream.</param>
    public static (ImageDataset Train, ImageDataset Test) Load(string? dataDir, IImageDecoder decoder, ImageFolderOptions options,
        long splitSeed = 0, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (trainList, testList, split) = ListSplits(dataDir);
        if (split)
        {
            var train = Read(trainList, "folder-train", decoder, options, warn);
            try
            {
                return (train, Read(testList!, $"folder-{Path.GetFileName(testList!.Root)}", decoder, options, warn));
            }
            catch
            {
                train.Dispose();
                throw;
            }
        }
        using var all = Read(trainList, "folder", decoder, options, warn);
        if (all.Count < 2)
            throw new InvalidDataException($"The image folder '{trainList.Root}' has only {all.Count} readable image; a training and a test set need at least 2.");
        long heldOut = HeldOutCount(options, all.Count);
        return ImageDataset.SplitSeeded(all, all.Count - heldOut, splitSeed, "folder-train", "folder-heldout");
    }

    /// <summary>How many of <paramref name="count"/> images the held-out split of a folder without its own split takes.</summary>
    public static long HeldOutCount(ImageFolderOptions options, long count)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Math.Clamp((long)Math.Round(options.HeldOut * count), 1, count - 1);
    }

    /// <summary>
    /// Lists the files of <paramref name="dataDir"/> as <see cref="Load"/> splits them, without decoding: with
    /// <c>train/</c> and <c>val/</c> (or <c>test/</c>) sub-folders the two listings (test labels mapped to the training
    /// classes) and <c>Split</c> true; otherwise the listing of all files, no test listing and <c>Split</c> false (the
    /// caller holds out <see cref="HeldOutCount"/> of them with <see cref="ImageFolderListing.SplitSeeded"/>).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No image file, or train/ and val/ disagree in layout or classes.</exception>
    public static (ImageFolderListing Train, ImageFolderListing? Test, bool Split) ListSplits(string? dataDir)
    {
        var listing = List(dataDir);
        string trainDir = Path.Combine(listing.Root, "train");
        string? testDir = new[] { "val", "test" }.Select(n => Path.Combine(listing.Root, n)).FirstOrDefault(Directory.Exists);
        if (!(listing.Labelled && testDir is not null && listing.ClassNames.Contains("train") && listing.ClassNames.Contains(Path.GetFileName(testDir))))
            return (listing, null, false);
        var trainList = List(trainDir);
        var testList = List(testDir);
        if (trainList.Labelled != testList.Labelled)
            throw new InvalidDataException(
                $"'{trainDir}' and '{testDir}' disagree: one has class sub-folders and the other not; give both the same layout.");
        var unknown = testList.ClassNames.Except(trainList.ClassNames, StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
            throw new InvalidDataException(
                $"'{testDir}' has classes that '{trainDir}' lacks: {string.Join(", ", unknown.Take(5))}; the test classes must be training classes.");
        var remapped = testList with
        {
            Labels = testList.Labels.Select(l => l < 0 ? l : (long)IndexOf(trainList.ClassNames, testList.ClassNames[(int)l])).ToArray(),
            ClassNames = trainList.ClassNames,
        };
        return (trainList, remapped, true);
    }

    /// <summary>
    /// Decodes the files of <paramref name="listing"/> into one data set of <c>uint8 [N, C, S, S]</c>
    /// images, skipping (or, when strict, stopping at) unreadable files.
    /// </summary>
    /// <exception cref="InvalidDataException">Strict and a file is unreadable, or no file is readable.</exception>
    public static ImageDataset Read(ImageFolderListing listing, string name, IImageDecoder decoder, ImageFolderOptions options, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        warn ??= line => Console.Error.WriteLine($"warning: {line}");
        int n = listing.Files.Count, s = options.ImageSize, c = options.Channels;
        int perImage = c * s * s;
        const int chunk = 512;
        var buffer = new byte[Math.Min(chunk, n) * perImage];
        var errors = new string?[Math.Min(chunk, n)];
        var images = torch.empty(new[] { (long)n, c, s, s }, ScalarType.Byte);
        var kept = new List<long>(n);
        var skipped = new List<string>();
        try
        {
            for (int start = 0; start < n; start += chunk)
            {
                int count = Math.Min(chunk, n - start);
                Array.Clear(errors);
                Parallel.For(0, count, i =>
                {
                    errors[i] = TryDecode(decoder, listing.Files[start + i], s, c, buffer.AsSpan(i * perImage, perImage));
                });
                var good = new List<long>(count);
                for (int i = 0; i < count; i++)
                {
                    if (errors[i] is null)
                    {
                        good.Add(i);
                        continue;
                    }
                    string file = listing.Files[start + i];
                    if (options.Strict)
                        throw new InvalidDataException(StrictMessage(file, errors[i]!));
                    skipped.Add(file);
                    warn(SkippedMessage(file, errors[i]!));
                }
                if (good.Count == 0) continue;
                using var scope = torch.NewDisposeScope();
                var decoded = torch.tensor(buffer, new[] { (long)buffer.Length / perImage, c, s, s });
                using var idx = torch.tensor(good.ToArray(), ScalarType.Int64);
                images.narrow(0, kept.Count, good.Count).copy_(decoded.index_select(0, idx));
                kept.AddRange(good.Select(g => start + g));
            }
            if (kept.Count == 0)
                throw new InvalidDataException($"None of the {n} image files in '{listing.Root}' could be read (first: '{skipped[0]}').");
            if (skipped.Count > 0)
                warn($"{skipped.Count} of {n} image files in '{listing.Root}' could not be read and were skipped (--strict stops at the first).");
            var labels = torch.tensor(kept.Select(i => listing.Labels[(int)i]).ToArray(), ScalarType.Int64);
            var keptImages = kept.Count == n ? images : images.narrow(0, 0, kept.Count).clone();
            if (!ReferenceEquals(keptImages, images)) images.Dispose();
            images = keptImages;
            var dataset = Cifar.Own(images, labels, name, listing.Labelled ? listing.ClassNames : new[] { "unlabelled" });
            dataset.Sources = kept.Select(i => listing.Files[(int)i]).ToArray();
            return dataset;
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes one file into <paramref name="destination"/> (<c>uint8 [C, S, S]</c>); returns null on success, or why the
    /// file cannot be read (empty, truncated, not an image, unreadable). Shared by <see cref="Read"/> and
    /// <see cref="StreamingLoader"/>, so both skip (or, strict, stop at) the same files with the same words.
    /// </summary>
    internal static string? TryDecode(IImageDecoder decoder, string file, int size, int channels, Span<byte> destination)
    {
        try
        {
            if (new FileInfo(file).Length == 0) throw new InvalidDataException("the file is empty (0 bytes)");
            decoder.Decode(file, size, channels, destination);
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    /// <summary>The message of the exception that stops a strict read at an unreadable file.</summary>
    internal static string StrictMessage(string file, string error) =>
        $"'{file}' cannot be read as an image: {error} (without --strict it would be skipped).";

    /// <summary>The warning for a file skipped because it cannot be read.</summary>
    internal static string SkippedMessage(string file, string error) => $"skipped '{file}': {error}";

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (string.Equals(names[i], name, StringComparison.Ordinal)) return i;
        return -1;
    }

    private static bool Hidden(string path) => Path.GetFileName(path).StartsWith('.');

    private static List<string> Images(string dir, SearchOption option) =>
        Directory.EnumerateFiles(dir, "*", new EnumerationOptions { RecurseSubdirectories = option == SearchOption.AllDirectories, AttributesToSkip = FileAttributes.Hidden })
            .Where(f => !Hidden(f) && Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())
                && !Path.GetRelativePath(dir, f).Split(Path.DirectorySeparatorChar).Any(p => p.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .ToList();
}
