namespace SslSharp.Augment.Presets;

/// <summary>
/// The SimCLR augmentation recipe (Chen et al., 2020, appendix A; google-research/simclr
/// <c>data_util.py</c>) for a given image size, channel count and dataset statistics, plus the
/// matching evaluation transform.
/// </summary>
/// <remarks>
/// Per view: <see cref="RandomResizedCrop"/> (area scale (0.08, 1), aspect (3/4, 4/3)),
/// <see cref="RandomHorizontalFlip"/> (0.5), <see cref="ColorJitter"/> (0.8s, 0.8s, 0.8s, 0.2s) with
/// p = 0.8 in random order, <see cref="RandomGrayscale"/> (0.2), <see cref="GaussianBlur"/> (p = 0.5,
/// sigma (0.1, 2), kernel 10% of the side, odd) for images larger than 32 px, then
/// <see cref="Normalize"/>. Colour strength s = 0.5 for images of 32 px and less (the paper's
/// CIFAR-10 setting) and s = 1 above. On 1-channel images grayscale, saturation and hue do nothing
/// and are left out.
/// <para>
/// Crop scale for images under 32 px (Fashion-MNIST's 28 x 28): (0.2, 1), the lower bound of
/// MoCo v2's recipe (facebookresearch/moco <c>main_moco.py</c>, <c>--aug-plus</c>). An 8% crop of a
/// 28-px image is an 8 x 8 patch upsampled 3.5x: mostly interpolation blur that often misses the
/// garment altogether, so the two views of one image share too little. 32-px images keep the
/// paper's (0.08, 1).
/// </para>
/// </remarks>
public static class SimCLRAugment
{
    /// <summary>CIFAR-10 per-channel RGB mean of x / 255 (training set).</summary>
    public static IReadOnlyList<float> Cifar10Mean { get; } = new[] { 0.4914f, 0.4822f, 0.4465f };

    /// <summary>CIFAR-10 per-channel RGB standard deviation of x / 255 (training set).</summary>
    public static IReadOnlyList<float> Cifar10Std { get; } = new[] { 0.2470f, 0.2435f, 0.2616f };

    /// <summary>ImageNet per-channel RGB mean (torchvision's convention).</summary>
    public static IReadOnlyList<float> ImageNetMean { get; } = new[] { 0.485f, 0.456f, 0.406f };

    /// <summary>ImageNet per-channel RGB standard deviation (torchvision's convention).</summary>
    public static IReadOnlyList<float> ImageNetStd { get; } = new[] { 0.229f, 0.224f, 0.225f };

    /// <summary>The default colour-jitter strength s: 0.5 up to 32 px (CIFAR), 1.0 above (ImageNet).</summary>
    public static double DefaultJitterStrength(int imageSize) => imageSize <= 32 ? 0.5 : 1.0;

    /// <summary>The default minimum crop area fraction: 0.2 below 32 px (see remarks), else 0.08.</summary>
    public static double DefaultMinScale(int imageSize) => imageSize < 32 ? 0.2 : 0.08;

    /// <summary>Whether the recipe blurs: only for images larger than 32 px.</summary>
    public static bool DefaultBlur(int imageSize) => imageSize > 32;

    /// <summary>
    /// One view's pipeline: crop, flip, jitter, grayscale, blur (when enabled), normalise.
    /// Input float <c>[N, C, H, W]</c> in [0, 1]; output <c>[N, C, imageSize, imageSize]</c>.
    /// </summary>
    /// <param name="imageSize">Output side in pixels (the crop size).</param>
    /// <param name="channels">Channels of the images (1 or 3).</param>
    /// <param name="mean">Per-channel mean for <see cref="Normalize"/> (length <paramref name="channels"/>).</param>
    /// <param name="std">Per-channel standard deviation for <see cref="Normalize"/>.</param>
    /// <param name="jitterStrength">Colour strength s (default <see cref="DefaultJitterStrength"/>).</param>
    /// <param name="minScale">Minimum crop area fraction (default <see cref="DefaultMinScale"/>).</param>
    /// <param name="blur">Whether to blur (default <see cref="DefaultBlur"/>).</param>
    public static Compose View(int imageSize, int channels, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        double? jitterStrength = null, double? minScale = null, bool? blur = null)
    {
        if (imageSize < 1) throw new ArgumentOutOfRangeException(nameof(imageSize), $"imageSize must be >= 1, got {imageSize}.");
        if (channels != 1 && channels != 3)
            throw new ArgumentOutOfRangeException(nameof(channels), $"The SimCLR recipe works on 1- or 3-channel images, got {channels}.");
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count != channels || std.Count != channels)
            throw new ArgumentException($"mean and std need {channels} value(s) (one per channel), got {mean.Count} and {std.Count}.", nameof(mean));
        double s = jitterStrength ?? DefaultJitterStrength(imageSize);
        return AugmentRecipe.Pipeline(imageSize, channels, mean, std, (minScale ?? DefaultMinScale(imageSize), 1.0),
            new[] { 0.8 * s, 0.8 * s, 0.8 * s, 0.2 * s }, jitterP: 0.8, grayscaleP: 0.2,
            blurP: (blur ?? DefaultBlur(imageSize)) ? 0.5 : 0, solarizeP: 0);
    }

    /// <summary>The two-view SimCLR generator (one <see cref="View"/> pipeline applied twice) for uint8 input.</summary>
    /// <inheritdoc cref="View" path="/param"/>
    public static TwoViewTransform Create(int imageSize, int channels, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        double? jitterStrength = null, double? minScale = null, bool? blur = null)
        => new(View(imageSize, channels, mean, std, jitterStrength, minScale, blur));

    /// <summary>
    /// The evaluation transform: uint8 (or float in [0, 1]) <c>[N, C, H, W]</c> to float / 255,
    /// then normalised with <paramref name="mean"/> and <paramref name="std"/>; no randomness.
    /// </summary>
    /// <param name="mean">Per-channel mean.</param>
    /// <param name="std">Per-channel standard deviation.</param>
    public static IBatchTransform Eval(IReadOnlyList<float> mean, IReadOnlyList<float> std)
        => new Compose(new ToFloatImage(), new Normalize(mean, std));
}
