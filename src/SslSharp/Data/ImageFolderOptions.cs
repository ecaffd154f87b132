namespace SslSharp.Data;

/// <summary>How <see cref="ImageFolder"/> turns a folder of image files into data sets.</summary>
/// <param name="ImageSize">Side of the stored images: the shorter side is resized to it and the centre square kept.</param>
/// <param name="Channels">3 for colour (RGB), 1 for grey.</param>
/// <param name="Strict">Stop at the first unreadable image instead of skipping it with a warning.</param>
/// <param name="HeldOut">
/// Fraction of the images held out as the test set (seeded), used when the folder has no
/// <c>train/</c> + <c>val/</c> (or <c>test/</c>) sub-folders of its own.
/// </param>
public sealed record ImageFolderOptions(int ImageSize = 64, int Channels = 3, bool Strict = false, double HeldOut = 0.1)
{
    /// <summary>Checks the values; throws with one message naming the bad one.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (ImageSize is < 8 or > 1024)
            throw new ArgumentException($"The image size of a folder data set must lie in 8..1024 pixels, got {ImageSize} (--image-size / image_size).");
        if (Channels is not (1 or 3))
            throw new ArgumentException($"A folder data set has 1 (grey) or 3 (colour) channels, got {Channels}.");
        if (!(HeldOut > 0 && HeldOut < 1))
            throw new ArgumentException($"The held-out fraction of a folder data set must lie strictly between 0 and 1, got {HeldOut}.");
    }
}
