using SslSharp.Augment.Functional;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>Mirrors each image left-right with probability <see cref="P"/>, drawn per sample.</summary>
/// <remarks>torchvision <c>RandomHorizontalFlip(p=0.5)</c>; part of every SimCLR-style recipe (Chen et al., 2020).</remarks>
public sealed class RandomHorizontalFlip : IBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="p">Probability that a sample is flipped (default 0.5).</param>
    public RandomHorizontalFlip(double p = 0.5) => P = ImageChecks.Probability(p, nameof(p));

    /// <summary>Probability that a sample is flipped.</summary>
    public double P { get; }

    /// <summary>Flips the chosen samples; returns a new <c>[N, C, H, W]</c> tensor.</summary>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageChecks.RequireFloatImages(images, nameof(RandomHorizontalFlip));
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = torch.NewDisposeScope();
        var mask = AugmentRandom.Bernoulli(generator, images.shape[0], P, images.device);
        return Flip(images, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Flips the samples where <paramref name="mask"/> <c>[N]</c> (bool) is true.</summary>
    internal static Tensor Flip(Tensor images, Tensor mask)
    {
        using var scope = torch.NewDisposeScope();
        return torch.where(mask.reshape(-1, 1, 1, 1), images.flip(3), images).MoveToOuterDisposeScope();
    }
}
