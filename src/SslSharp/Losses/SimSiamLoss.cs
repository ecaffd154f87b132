using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// SimSiam's symmetrised negative cosine similarity:
/// <c>L = -1/2 [mean cos(p1, sg(z2)) + mean cos(p2, sg(z1))]</c>, minimum -1.
/// </summary>
/// <remarks>
/// <para>Chen &amp; He, "Exploring Simple Siamese Representation Learning" (CVPR 2021), eq. 1-3;
/// reference code facebookresearch/simsiam <c>main_simsiam.py</c>
/// (<c>nn.CosineSimilarity(dim=1)</c>, <c>-(criterion(p1, z2).mean() + criterion(p2, z1).mean()) * 0.5</c>
/// with <c>z</c> detached in <c>simsiam/builder.py</c>). docs/methods.md#simsiam.</para>
/// <para>With <c>stopGradient: false</c> the targets are not detached: that is the paper's section 4.1
/// ablation, which collapses to a constant output. It exists for collapse experiments and diagnostics
/// tests only; never train with it.</para>
/// </remarks>
public static class SimSiamLoss
{
    /// <summary>The symmetrised negative cosine similarity of predictions and targets.</summary>
    /// <param name="p1">Predictions of view 1, <c>[N, D]</c>.</param>
    /// <param name="p2">Predictions of view 2, <c>[N, D]</c>.</param>
    /// <param name="z1">Projections of view 1, <c>[N, D]</c>.</param>
    /// <param name="z2">Projections of view 2, <c>[N, D]</c>.</param>
    /// <param name="stopGradient">Detach <paramref name="z1"/>, <paramref name="z2"/> (the method's
    /// default). False only for collapse experiments.</param>
    /// <returns>The scalar loss in [-1, 1] (0-d tensor).</returns>
    /// <exception cref="ArgumentException">The shapes differ or are not 2-D, or an input holds NaN/infinity.</exception>
    public static Tensor Compute(Tensor p1, Tensor p2, Tensor z1, Tensor z2, bool stopGradient = true)
    {
        LossChecks.PredictionPair("The SimSiam loss", p1, p2, z1, z2);
        using var scope = torch.NewDisposeScope();
        var t1 = stopGradient ? z1.detach() : z1;
        var t2 = stopGradient ? z2.detach() : z2;
        using Scalar one = 1.0, minusHalf = -0.5;
        var loss = PairDistance.RowCosine(p1, t2).mean().add(PairDistance.RowCosine(p2, t1).mean(), one).mul(minusHalf);
        return loss.MoveToOuterDisposeScope();
    }
}
