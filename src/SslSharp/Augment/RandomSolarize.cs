using SslSharp.Augment.Functional;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>Inverts every pixel at or above <see cref="Threshold"/> (<c>x -&gt; 1 - x</c>) in each chosen image (probability <see cref="P"/>, per sample).</summary>
/// <remarks>
/// torchvision <c>RandomSolarize(threshold, p)</c> on float images. BYOL (Grill et al., 2020) solarizes
/// the second view with p = 0.2; DINO (Caron et al., 2021) the second global crop.
/// </remarks>
public sealed class RandomSolarize : IBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="threshold">Pixels with value &gt;= threshold are inverted (default 0.5, i.e. 128/255 as BYOL).</param>
    /// <param name="p">Probability that a sample is solarized (default 0.5, torchvision's default).</param>
    public RandomSolarize(double threshold = 0.5, double p = 0.5)
    {
        if (!(threshold >= 0 && threshold <= 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), $"threshold must be in [0, 1] for float images, got {threshold}.");
        Threshold = threshold;
        P = ImageChecks.Probability(p, nameof(p));
    }

    /// <summary>Pixels with value &gt;= this are inverted.</summary>
    public double Threshold { get; }

    /// <summary>Probability that a sample is solarized.</summary>
    public double P { get; }

    /// <summary>Solarizes the chosen samples; returns a new <c>[N, C, H, W]</c> tensor.</summary>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageChecks.RequireFloatImages(images, nameof(RandomSolarize));
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = torch.NewDisposeScope();
        var mask = AugmentRandom.Bernoulli(generator, images.shape[0], P, images.device).reshape(-1, 1, 1, 1);
        if (!mask.any().item<bool>()) return images.clone().MoveToOuterDisposeScope();
        using Scalar threshold = Threshold;
        return torch.where(images.ge(threshold).logical_and_(mask), ScalarCache.OneMinus(images), images).MoveToOuterDisposeScope();
    }
}
