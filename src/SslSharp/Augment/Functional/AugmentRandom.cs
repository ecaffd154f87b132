using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment.Functional;

/// <summary>
/// Per-sample random draws. Every draw comes from the caller's <see cref="Generator"/> (a CPU
/// generator) and is then moved to the images' device, so a seed reproduces a run on any device.
/// </summary>
internal static class AugmentRandom
{
    /// <summary><c>[n]</c> float32 values uniform in [<paramref name="low"/>, <paramref name="high"/>) on <paramref name="device"/>.</summary>
    public static Tensor Uniform(Generator generator, long n, double low, double high, Device device)
    {
        var u = torch.rand(new[] { n }, dtype: ScalarType.Float64, generator: generator);
        if (low != 0 || high != 1)
        {
            using Scalar range = high - low, offset = low;
            u = u.mul_(range).add_(offset, ScalarCache.One);
        }
        return u.to(ScalarType.Float32).to(device);
    }

    /// <summary><c>[n]</c> booleans, each true with probability <paramref name="p"/>, on <paramref name="device"/>.</summary>
    public static Tensor Bernoulli(Generator generator, long n, double p, Device device)
    {
        // Always consume n draws, so the stream does not depend on p.
        var u = torch.rand(new[] { n }, dtype: ScalarType.Float64, generator: generator);
        using Scalar threshold = p;
        return u.lt(threshold).to(device);
    }

    /// <summary><c>[n, k]</c> doubles uniform in [0, 1) copied to managed memory (row-major).</summary>
    public static double[] UniformArray(Generator generator, long n, int k)
    {
        using var u = torch.rand(new[] { n, (long)k }, dtype: ScalarType.Float64, generator: generator);
        return u.data<double>().ToArray();
    }
}
