using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Core;

/// <summary>
/// Seeded re-implementations of PyTorch's weight initialisations, so that building a model draws
/// from an explicit <see cref="Generator"/> instead of the global RNG.
/// </summary>
internal static class WeightInit
{
    /// <summary>
    /// <c>kaiming_normal_(w, mode="fan_out", nonlinearity="relu")</c>: N(0, 2 / fan_out) where
    /// fan_out = out_channels x kernel area (torchvision ResNet's conv init).
    /// </summary>
    public static void KaimingNormalFanOut(Tensor weight, Generator generator)
    {
        long fanOut = weight.shape[0];
        for (int i = 2; i < weight.dim(); i++) fanOut *= weight.shape[i];
        using var _ = torch.no_grad();
        weight.normal_(0, Math.Sqrt(2.0 / fanOut), generator);
    }

    /// <summary>
    /// PyTorch's default init of <c>nn.Linear</c> and <c>nn.Conv2d</c> (<c>reset_parameters</c>):
    /// weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)).
    /// </summary>
    public static void TorchDefault(Tensor weight, Tensor? bias, Generator generator)
    {
        long fanIn = weight.shape[1];
        for (int i = 2; i < weight.dim(); i++) fanIn *= weight.shape[i];
        double bound = 1.0 / Math.Sqrt(fanIn);
        using var _ = torch.no_grad();
        weight.uniform_(-bound, bound, generator);
        bias?.uniform_(-bound, bound, generator);
    }

    /// <summary>BatchNorm scale 1 (or 0 for a zero-initialised residual branch), shift 0.</summary>
    public static void BatchNorm(BatchNorm bn, double gamma = 1.0)
    {
        using var _ = torch.no_grad();
        bn.weight?.fill_(gamma);
        bn.bias?.zero_();
    }
}
