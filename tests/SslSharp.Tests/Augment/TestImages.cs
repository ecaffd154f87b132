using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Augment;

/// <summary>Small random images and generators for the augmentation tests.</summary>
internal static class TestImages
{
    public static Tensor Float(long n, long c, long h, long w, long seed = 7)
    {
        var g = new Generator((ulong)seed);
        return torch.rand(new[] { n, c, h, w }, generator: g);
    }

    public static Tensor Bytes(long n, long c, long h, long w, long seed = 7)
    {
        var g = new Generator((ulong)seed);
        return torch.randint(0, 256, new[] { n, c, h, w }, dtype: ScalarType.Byte, generator: g);
    }

    public static Generator Gen(long seed) => new((ulong)seed);

    public static bool BitwiseEqual(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();

    /// <summary>Per-sample "did this sample change" flags <c>[N]</c>.</summary>
    public static bool[] Changed(Tensor before, Tensor after) =>
        before.ne(after).flatten(1).any(1).data<bool>().ToArray();
}
