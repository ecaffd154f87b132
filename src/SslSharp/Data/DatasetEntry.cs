namespace SslSharp.Data;

/// <summary>
/// One data set known to <see cref="DatasetCatalog"/>: its name, a one-line description for
/// listings, and how to load its (train, test) pair.
/// </summary>
/// <param name="Name">The name users type, e.g. <c>fashion-mnist</c> (matched case-insensitively).</param>
/// <param name="Description">One line for <c>sslsharp datasets</c>-style listings: size, classes, where the data comes from.</param>
/// <param name="Load">
/// Loads the pair from an optional data folder (null: the data set's default location) with a
/// split seed (used only by data sets that are split from one pool, such as the embedded one).
/// </param>
/// <param name="Mean">Per-channel mean of the training images in [0, 1] (for normalisation).</param>
/// <param name="Std">Per-channel standard deviation of the training images in [0, 1].</param>
/// <param name="ImageSize">Side of the images in pixels (picks the small or large method preset).</param>
/// <param name="Download">The official archive that <c>--download</c> fetches into the data folder, or null when there is none.</param>
public sealed record DatasetEntry(
    string Name,
    string Description,
    Func<string?, long, (ImageDataset Train, ImageDataset Test)> Load,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Std,
    int ImageSize = 28,
    DatasetDownload? Download = null);
