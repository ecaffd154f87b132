using SslSharp.Augment.Functional;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>
/// Blurs each chosen image (probability <see cref="P"/>, per sample) with a Gaussian kernel whose
/// sigma is drawn per sample uniformly in <see cref="Sigma"/>.
/// </summary>
/// <remarks>
/// torchvision <c>GaussianBlur(kernel_size, sigma=(0.1, 2.0))</c> wrapped in
/// <c>RandomApply(p)</c>: square kernel, one sigma for both axes, reflect padding. SimCLR (Chen et
/// al., 2020, appendix A) blurs with p = 0.5 and a kernel of 10% of the image side (odd); off for
/// CIFAR-size images. BYOL uses p = 1.0 / 0.1 for its two views. Computed as a separable
/// convolution expressed as two batched matrix products (see the functional core), only on the
/// chosen samples; the others are returned bit for bit.
/// </remarks>
public sealed class GaussianBlur : IBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="kernelSize">Odd kernel side in pixels (&gt;= 1).</param>
    /// <param name="sigma">Range of the per-sample standard deviation (default (0.1, 2.0)).</param>
    /// <param name="p">Probability that a sample is blurred (default 1, torchvision's GaussianBlur; SimCLR uses 0.5).</param>
    public GaussianBlur(int kernelSize, (double Min, double Max)? sigma = null, double p = 1.0)
    {
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"kernelSize must be a positive odd number, got {kernelSize}.");
        var s = sigma ?? (0.1, 2.0);
        if (!(s.Min > 0 && s.Min <= s.Max) || double.IsInfinity(s.Max))
            throw new ArgumentException($"sigma must satisfy 0 < min <= max, got ({s.Min}, {s.Max}); pass (min, max) in that order.", nameof(sigma));
        KernelSize = kernelSize;
        Sigma = s;
        P = ImageChecks.Probability(p, nameof(p));
    }

    /// <summary>Odd kernel side in pixels.</summary>
    public int KernelSize { get; }

    /// <summary>Range of the per-sample standard deviation, in pixels.</summary>
    public (double Min, double Max) Sigma { get; }

    /// <summary>Probability that a sample is blurred.</summary>
    public double P { get; }

    /// <summary>
    /// The SimCLR kernel size for an image side: <c>int(0.1 * size)</c>, made odd by adding one when even
    /// (e.g. 9 for 96 px, 23 for 224 px), at least 3.
    /// </summary>
    public static int SimCLRKernelSize(int imageSize)
    {
        int k = (int)(0.1 * imageSize);
        if (k % 2 == 0) k += 1;
        return Math.Max(k, 3);
    }

    /// <summary>Blurs the chosen samples; returns a new <c>[N, C, H, W]</c> tensor.</summary>
    /// <exception cref="ArgumentException">Images are not float <c>[N, C, H, W]</c> or are too small for the kernel's reflect padding.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageChecks.RequireFloatImages(images, nameof(GaussianBlur));
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = torch.NewDisposeScope();
        long n = images.shape[0];
        var mask = AugmentRandom.Bernoulli(generator, n, P, images.device);
        var sigmas = AugmentRandom.Uniform(generator, n, Sigma.Min, Sigma.Max, images.device);
        var idx = mask.nonzero().flatten();
        if (idx.shape[0] == 0) return images.clone().MoveToOuterDisposeScope();
        var blurred = BlurFunctional.Blur(images.index_select(0, idx), KernelSize, sigmas.index_select(0, idx));
        return images.index_copy(0, idx, blurred).MoveToOuterDisposeScope();
    }
}
