using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment.Functional;

/// <summary>Input validation shared by the batch transforms.</summary>
internal static class ImageChecks
{
    /// <summary>Throws unless <paramref name="images"/> is a floating-point <c>[N, C, H, W]</c> tensor.</summary>
    public static void RequireFloatImages(Tensor images, string transform)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
            throw new ArgumentException(
                $"{transform} expects images [N, C, H, W] but got shape [{string.Join(", ", images.shape)}]; " +
                "add a batch dimension (unsqueeze(0)) for a single image.", nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException(
                $"{transform} expects floating-point images in [0, 1] but got {images.dtype}; " +
                "convert uint8 images with ToFloatImage (x / 255) first.", nameof(images));
    }

    /// <summary>Throws unless <paramref name="images"/> has 1 or 3 channels (colour operations).</summary>
    public static void RequireGrayOrRgb(Tensor images, string transform)
    {
        long c = images.shape[1];
        if (c != 1 && c != 3)
            throw new ArgumentException(
                $"{transform} works on 1-channel (grayscale) or 3-channel (RGB) images but got {c} channels.", nameof(images));
    }

    /// <summary>Throws unless <paramref name="p"/> is a probability.</summary>
    public static double Probability(double p, string name)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(name, $"{name} is a probability and must be in [0, 1], got {p}.");
        return p;
    }
}
