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
}
