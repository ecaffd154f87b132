using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The triplet margin loss: an anchor must be closer to its positive than to its negative by a margin,
/// <c>mean_i max(d(a_i, p_i) - d(a_i, n_i) + m, 0)</c>.
/// </summary>
/// <remarks>
/// <para>Weinberger and Saul, "Distance Metric Learning for Large Margin Nearest Neighbor
/// Classification" (JMLR 2009); Schroff, Kalenichenko, Philbin, "FaceNet" (CVPR 2015); the cookbook's
/// "classic deep metric learning" (Balestriero et al. 2023). Reference code: PyTorch
/// <c>torch.nn.functional.triplet_margin_loss</c> (p 2, eps 1e-6, no swap, mean), whose distance
/// <see cref="PairDistance.Rowwise"/> reproduces. docs/methods.md#triplet-and-contrastive-margin-losses.</para>
/// </remarks>
public static class TripletMarginLoss
{
    /// <summary>PyTorch's default margin.</summary>
    public const double DefaultMargin = 1.0;

    /// <summary>The triplet margin loss of N triplets.</summary>
    /// <param name="anchor">Anchors <c>[N, D]</c>.</param>
    /// <param name="positive">Positives <c>[N, D]</c> (row i belongs with anchor i).</param>
    /// <param name="negative">Negatives <c>[N, D]</c> (row i must be farther from anchor i).</param>
    /// <param name="margin">Margin <c>m &gt; 0</c>.</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 1, or an input is not finite.</exception>
    public static Tensor Compute(Tensor anchor, Tensor positive, Tensor negative, double margin = DefaultMargin)
    {
        CheckTriplet("Triplet margin loss", anchor, positive, negative, margin);
        using var scope = torch.NewDisposeScope();
        var dp = PairDistance.Rowwise(anchor, positive);
        var dn = PairDistance.Rowwise(anchor, negative);
        using Scalar m = margin, zero = 0;   // held: see Augment/Functional/ScalarCache
        return (dp - dn + m).clamp_min(zero).mean().MoveToOuterDisposeScope();
    }

    /// <summary>Shape, margin and finiteness checks shared with <see cref="ContrastiveMarginLoss"/>.</summary>
    internal static void CheckTriplet(string loss, Tensor anchor, Tensor positive, Tensor negative, double margin)
    {
        LossChecks.Positive(nameof(margin), margin, $"The {loss} margin (default 1.0)");
        LossChecks.SamePairShape(loss, anchor, positive, "row i of anchor, positive and negative form one triplet");
        LossChecks.SamePairShape(loss, anchor, negative, "row i of anchor, positive and negative form one triplet");
        LossChecks.MinimumRows(loss, anchor.shape[0], 1, "no triplets");
        LossChecks.Finite(loss, anchor, positive, negative);
    }
}
