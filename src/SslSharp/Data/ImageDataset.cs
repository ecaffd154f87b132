using TorchSharp;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// An in-memory labelled image data set: raw images <c>uint8 [N, C, H, W]</c> and labels
/// <c>int64 [N]</c>, both on the CPU, with the names of the classes.
/// </summary>
/// <remarks>
/// The data set owns its two tensors: the constructor detaches them from any dispose scope, and
/// <see cref="Dispose"/> frees them. Images stay as bytes until a view generator (see
/// <c>SslSharp.Augment.IViewGenerator</c>) turns a batch of them into float views, which keeps a
/// 60,000-image set at 47 MB. A label of <c>-1</c> marks an unlabelled image (as in STL-10's
/// unlabelled split); every other label lies in <c>[0, NumClasses)</c>.
/// </remarks>
public sealed class ImageDataset : IDisposable
{
    private bool _disposed;

    /// <summary>Creates a data set that takes ownership of <paramref name="images"/> and <paramref name="labels"/>.</summary>
    /// <param name="images">Images <c>uint8 [N, C, H, W]</c> on the CPU.</param>
    /// <param name="labels">Labels <c>int64 [N]</c> on the CPU, each in <c>[0, classNames.Count)</c> or <c>-1</c>.</param>
    /// <param name="name">A short name for logs, e.g. <c>fashion-mnist</c>.</param>
    /// <param name="classNames">One name per class; the class count is its length.</param>
    /// <exception cref="ArgumentException">Shapes, types, devices or label values are wrong.</exception>
    public ImageDataset(Tensor images, Tensor labels, string name, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(classNames);
        if (images.dim() != 4 || images.dtype != ScalarType.Byte)
            throw new ArgumentException(
                $"Images of data set '{name}' must be uint8 [N, C, H, W] but are {images.dtype} [{string.Join(", ", images.shape)}]; " +
                "keep raw bytes in the data set and convert to float in the view generator.", nameof(images));
        if (labels.dim() != 1 || labels.dtype != ScalarType.Int64)
            throw new ArgumentException(
                $"Labels of data set '{name}' must be int64 [N] but are {labels.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (labels.shape[0] != images.shape[0])
            throw new ArgumentException(
                $"Data set '{name}' has {images.shape[0]} images but {labels.shape[0]} labels; they must match one to one.", nameof(labels));
        if (images.device_type != DeviceType.CPU || labels.device_type != DeviceType.CPU)
            throw new ArgumentException(
                $"Data set '{name}' must live on the CPU (images on {images.device}, labels on {labels.device}); the loader moves batches to the device.",
                nameof(images));
        if (images.shape[0] == 0)
            throw new ArgumentException($"Data set '{name}' is empty.", nameof(images));
        if (classNames.Count == 0)
            throw new ArgumentException($"Data set '{name}' needs at least one class name.", nameof(classNames));

        long min, max;
        using (var minT = labels.min()) min = minT.item<long>();
        using (var maxT = labels.max()) max = maxT.item<long>();
        if (min < -1 || max >= classNames.Count)
            throw new ArgumentException(
                $"Labels of data set '{name}' must lie in [0, {classNames.Count}) (or be -1 for unlabelled images) but range over [{min}, {max}].",
                nameof(labels));

        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Name = name;
        ClassNames = classNames.ToArray();
    }

    /// <summary>All images, <c>uint8 [N, C, H, W]</c>, on the CPU.</summary>
    public Tensor Images { get; }

    /// <summary>All labels, <c>int64 [N]</c>, on the CPU; <c>-1</c> marks an unlabelled image.</summary>
    public Tensor Labels { get; }

    /// <summary>A short name for logs, e.g. <c>fashion-mnist</c>.</summary>
    public string Name { get; }

    /// <summary>The name of each class, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of images, <c>N</c>.</summary>
    public long Count => Images.shape[0];

    /// <summary>Channels per image, <c>C</c> (1 for grey, 3 for colour).</summary>
    public int Channels => (int)Images.shape[1];

    /// <summary>Image height in pixels, <c>H</c>.</summary>
    public int Height => (int)Images.shape[2];

    /// <summary>Image width in pixels, <c>W</c>.</summary>
    public int Width => (int)Images.shape[3];

    /// <summary>
    /// The file each image was read from (an image folder), in image order; null for data sets stored as one binary
    /// file (Fashion-MNIST, CIFAR, STL-10). <c>sslsharp embed</c> writes it into its CSV.
    /// </summary>
    public IReadOnlyList<string>? Sources { get; internal set; }

    /// <summary>Number of classes (the length of <see cref="ClassNames"/>).</summary>
    public int NumClasses => ClassNames.Count;

    /// <summary>A new data set holding copies of the images at <paramref name="indices"/>, in that order.</summary>
    /// <param name="indices">Indices into this data set, each in <c>[0, Count)</c>; repeats are allowed.</param>
    /// <param name="name">Name of the subset; this set's name when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside <c>[0, Count)</c>.</exception>
    public ImageDataset Subset(long[] indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        using var idx = torch.tensor(indices, ScalarType.Int64);
        return Subset(idx, name);
    }

    /// <summary>A new data set holding copies of the images at <paramref name="indices"/>, in that order.</summary>
    /// <param name="indices">Indices <c>int64 [K]</c> into this data set, each in <c>[0, Count)</c>; not disposed.</param>
    /// <param name="name">Name of the subset; this set's name when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside <c>[0, Count)</c>.</exception>
    public ImageDataset Subset(Tensor indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (indices.dim() != 1 || indices.dtype != ScalarType.Int64)
            throw new ArgumentException($"Subset indices must be int64 [K] but are {indices.dtype} [{string.Join(", ", indices.shape)}].", nameof(indices));
        if (indices.shape[0] == 0)
            throw new ArgumentException("A subset needs at least one index.", nameof(indices));
        using var scope = torch.NewDisposeScope();
        var idx = indices.cpu();
        long min = idx.min().item<long>(), max = idx.max().item<long>();
        if (min < 0 || max >= Count)
            throw new ArgumentOutOfRangeException(nameof(indices), $"Subset indices must lie in [0, {Count}) for data set '{Name}' but range over [{min}, {max}].");
        var images = Images.index_select(0, idx).MoveToOuterDisposeScope();
        var labels = Labels.index_select(0, idx).MoveToOuterDisposeScope();
        var sources = Sources is null ? null : idx.to(ScalarType.Int64).data<long>().Select(i => Sources[(int)i]).ToArray();
        return new ImageDataset(images, labels, name ?? Name, ClassNames) { Sources = sources };
    }

    /// <summary>
    /// Splits <paramref name="dataset"/> into two disjoint parts by a fixed seeded permutation:
    /// the first <paramref name="firstCount"/> images of the permutation and the rest. Each part
    /// keeps the original order of its images.
    /// </summary>
    /// <param name="dataset">The data set to split (not changed or disposed).</param>
    /// <param name="firstCount">Size of the first part, in <c>[1, Count - 1]</c>.</param>
    /// <param name="seed">Seed of the permutation; the same seed always gives the same split.</param>
    /// <param name="firstName">Name of the first part; <c>{Name}-first</c> when null.</param>
    /// <param name="secondName">Name of the second part; <c>{Name}-second</c> when null.</param>
    /// <returns>Two new data sets, owned by the caller.</returns>
    /// <remarks>
    /// The permutation is a Fisher-Yates shuffle driven by <see cref="SplitMix64"/>, so the split
    /// does not depend on the libtorch version or the platform.
    /// </remarks>
    public static (ImageDataset First, ImageDataset Second) SplitSeeded(
        ImageDataset dataset, long firstCount, long seed, string? firstName = null, string? secondName = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (firstCount < 1 || firstCount >= dataset.Count)
            throw new ArgumentOutOfRangeException(nameof(firstCount),
                $"The first part of a split of '{dataset.Name}' ({dataset.Count} images) must have 1..{dataset.Count - 1} images, got {firstCount}.");
        var (first, second) = SplitIndices(dataset.Count, firstCount, seed);
        var a = dataset.Subset(first, firstName ?? $"{dataset.Name}-first");
        try
        {
            return (a, dataset.Subset(second, secondName ?? $"{dataset.Name}-second"));
        }
        catch
        {
            a.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The indices of the two parts <see cref="SplitSeeded"/> cuts <paramref name="count"/> items into, each sorted; a
    /// folder listing split by them (<see cref="ImageFolderListing.Select"/>) holds the same files as the split data set.
    /// </summary>
    internal static (long[] First, long[] Second) SplitIndices(long count, long firstCount, long seed)
    {
        var perm = SplitMix64.Permutation(count, SplitMix64.Mix(seed, SplitStream));
        var first = perm[..(int)firstCount];
        var second = perm[(int)firstCount..];
        Array.Sort(first);
        Array.Sort(second);
        return (first, second);
    }

    /// <summary>Frees the image and label tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Images.Dispose();
        Labels.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {Count} images {Channels}x{Height}x{Width}, {NumClasses} classes";

    // Domain separation: split permutations never coincide with loader permutations of the same seed.
    private const long SplitStream = 0x53504C4954; // "SPLIT"
}
