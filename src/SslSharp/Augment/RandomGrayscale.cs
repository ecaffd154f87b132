using SslSharp.Augment.Functional;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>
/// Replaces each chosen RGB image (probability <see cref="P"/>, per sample) by its luma repeated
/// over the channels, so the output keeps C channels.
/// </summary>
/// <remarks>
/// torchvision <c>RandomGrayscale(p)</c> / <c>F.rgb_to_grayscale</c>: ITU-R 601-2 luma with
/// torchvision's tensor weights <c>0.2989 R + 0.587 G + 0.114 B</c> (the 601 weights 0.299, 0.587,
/// 0.114 as rounded in TensorFlow and torchvision). SimCLR (Chen et al., 2020) uses p = 0.2.
/// A no-op (a copy) on 1-channel images.
/// </remarks>
public sealed class RandomGrayscale : IBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="p">Probability that a sample is converted (default 0.1, torchvision's default).</param>
    public RandomGrayscale(double p = 0.1) => P = ImageChecks.Probability(p, nameof(p));

    /// <summary>Probability that a sample is converted.</summary>
    public double P { get; }

    /// <summary>Converts the chosen samples; returns a new <c>[N, C, H, W]</c> tensor.</summary>
    /// <exception cref="ArgumentException">Images are not float <c>[N, C, H, W]</c> with 1 or 3 channels.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageChecks.RequireFloatImages(images, nameof(RandomGrayscale));
        ImageChecks.RequireGrayOrRgb(images, nameof(RandomGrayscale));
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = torch.NewDisposeScope();
        var mask = AugmentRandom.Bernoulli(generator, images.shape[0], P, images.device);
        return ApplyWithMask(images, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Converts the samples where <paramref name="mask"/> <c>[N]</c> (bool) is true.</summary>
    internal static Tensor ApplyWithMask(Tensor images, Tensor mask)
    {
        using var scope = torch.NewDisposeScope();
        if (images.shape[1] == 1) return images.clone().MoveToOuterDisposeScope();
        var idx = mask.nonzero().flatten();
        if (idx.shape[0] == 0) return images.clone().MoveToOuterDisposeScope();
        // Only the chosen samples are converted (index_select / index_copy), the rest are copied.
        var gray = ColorFunctional.Grayscale(images.index_select(0, idx));
        return images.index_copy(0, idx, gray.expand(-1, images.shape[1], -1, -1)).MoveToOuterDisposeScope();
    }
}
