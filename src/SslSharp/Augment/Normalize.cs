using TorchSharp;
using SslSharp.Augment.Functional;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>Subtracts a per-channel mean and divides by a per-channel standard deviation (deterministic).</summary>
/// <remarks>torchvision <c>Normalize(mean, std)</c>: <c>(x - mean[c]) / std[c]</c>.</remarks>
public sealed class Normalize : IBatchTransform
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates the transform.</summary>
    /// <param name="mean">Per-channel means; length C.</param>
    /// <param name="std">Per-channel standard deviations (all &gt; 0); length C.</param>
    public Normalize(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException($"mean and std need one value per channel and the same length, got {mean.Count} and {std.Count}.", nameof(std));
        if (std.Any(s => !(s > 0) || float.IsInfinity(s)))
            throw new ArgumentException($"Every std must be finite and > 0, got [{string.Join(", ", std)}].", nameof(std));
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <summary>Per-channel means.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>Per-channel standard deviations.</summary>
    public IReadOnlyList<float> Std => _std;

    /// <summary>Normalises every channel; returns a new <c>[N, C, H, W]</c> tensor. The generator is not used.</summary>
    /// <exception cref="ArgumentException">Images are not float <c>[N, C, H, W]</c> with <c>C = Mean.Count</c>.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageChecks.RequireFloatImages(images, nameof(Normalize));
        if (images.shape[1] != _mean.Length)
            throw new ArgumentException(
                $"Normalize was built for {_mean.Length} channel(s) but the images have {images.shape[1]}; " +
                "pass one mean and one std per channel.", nameof(images));
        using var scope = torch.NewDisposeScope();
        var m = torch.tensor(_mean, new long[] { 1, _mean.Length, 1, 1 }, device: images.device).to(images.dtype);
        var s = torch.tensor(_std, new long[] { 1, _std.Length, 1, 1 }, device: images.device).to(images.dtype);
        return images.sub(m).div_(s).MoveToOuterDisposeScope();
    }
}
