namespace SslSharp.Data;

/// <summary>
/// The image files of a folder and their labels, as <see cref="ImageFolder.List"/> finds them.
/// </summary>
/// <param name="Root">The folder listed.</param>
/// <param name="Files">Full paths, sorted by class and then by path (ordinal).</param>
/// <param name="Labels">One label per file: the index of its class sub-folder in <paramref name="ClassNames"/>, or <c>-1</c> when unlabelled.</param>
/// <param name="ClassNames">The class sub-folder names, sorted (ordinal); empty when the folder is unlabelled.</param>
public sealed record ImageFolderListing(string Root, IReadOnlyList<string> Files, IReadOnlyList<long> Labels, IReadOnlyList<string> ClassNames)
{
    /// <summary>Whether the images carry labels (they lie in class sub-folders).</summary>
    public bool Labelled => ClassNames.Count > 0;

    /// <summary>The files at <paramref name="indices"/> (in that order) with their labels; the same root and classes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside <c>[0, Files.Count)</c>.</exception>
    public ImageFolderListing Select(IReadOnlyList<long> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        foreach (long i in indices)
            if (i < 0 || i >= Files.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Listing index {i} is outside [0, {Files.Count}) of '{Root}'.");
        return this with { Files = indices.Select(i => Files[(int)i]).ToArray(), Labels = indices.Select(i => Labels[(int)i]).ToArray() };
    }

    /// <summary>
    /// Splits the files as <see cref="ImageDataset.SplitSeeded"/> splits a data set of the same count with the same
    /// seed: the first <paramref name="firstCount"/> of a seeded permutation and the rest, each in listing order.
    /// </summary>
    public (ImageFolderListing First, ImageFolderListing Second) SplitSeeded(long firstCount, long seed)
    {
        if (firstCount < 1 || firstCount >= Files.Count)
            throw new ArgumentOutOfRangeException(nameof(firstCount),
                $"The first part of a split of '{Root}' ({Files.Count} files) must have 1..{Files.Count - 1} files, got {firstCount}.");
        var (first, second) = ImageDataset.SplitIndices(Files.Count, firstCount, seed);
        return (Select(first), Select(second));
    }
}
