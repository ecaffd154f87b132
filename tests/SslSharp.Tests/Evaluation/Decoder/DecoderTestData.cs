using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Decoder;

/// <summary>Synthetic images with low-rank structure (a few smooth patterns mixed per image), so that a
/// random linear feature map keeps most of what is needed to redraw them.</summary>
internal static class DecoderTestData
{
    /// <summary>uint8 images [n, channels, side, side].</summary>
    public static Tensor Images(int n, int side, int channels = 1, long seed = 0)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var coords = linspace(0, 1, side);
        var yy = coords.view(side, 1).expand(side, side);
        var xx = coords.view(1, side).expand(side, side);
        var patterns = stack(new[]
        {
            sin(xx * 3.1).mul(yy), cos(yy * 6.2), (xx - 0.5).square().add((yy - 0.5).square()).neg().exp(), xx.mul(yy),
        }).view(1, 4, side * side);                                      // [1, 4, P]
        var weights = rand(new long[] { n, channels, 4 }, generator: g);  // [n, C, 4]
        var images = matmul(weights, patterns.squeeze(0)).view(n, channels, side, side);
        images = images.sub(images.amin(new long[] { 2, 3 }, keepdim: true));
        images = images.div(images.amax(new long[] { 2, 3 }, keepdim: true).add(1e-6));
        return images.mul(255).round().to(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
