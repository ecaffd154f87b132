using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The contrastive (margin) loss of Hadsell, Chopra and LeCun: pull positive pairs together and push
/// negative pairs apart until they are at least a margin away,
/// <c>mean_i [1/2 d(a_i, p_i)^2 + 1/2 max(m - d(a_i, n_i), 0)^2]</c>.
/// </summary>
/// <remarks>
/// <para>Hadsell, Chopra, LeCun, "Dimensionality Reduction by Learning an Invariant Mapping" (CVPR
/// 2006), the loss on one similar and one dissimilar pair per anchor; the cookbook's "classic deep
/// metric learning" (Balestriero et al. 2023). The distance is PyTorch's
/// <c>pairwise_distance</c> (<see cref="PairDistance.Rowwise"/>, eps 1e-6), as for
/// <see cref="TripletMarginLoss"/>. docs/methods.md#triplet-and-contrastive-margin-losses.</para>
/// </remarks>
public static class ContrastiveMarginLoss
{
    /// <summary>The default margin.</summary>
    public const double DefaultMargin = 1.0;

    /// <summary>The contrastive loss of N (anchor, positive, negative) rows.</summary>
    /// <param name="anchor">Anchors <c>[N, D]</c>.</param>
    /// <param name="positive">Similar partners <c>[N, D]</c> (pulled to distance 0).</param>
    /// <param name="negative">Dissimilar partners <c>[N, D]</c> (pushed beyond the margin).</param>
    /// <param name="margin">Margin <c>m &gt; 0</c>.</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 1, or an input is not finite.</exception>
    public static Tensor Compute(Tensor anchor, Tensor positive, Tensor negative, double margin = DefaultMargin)
    {
        TripletMarginLoss.CheckTriplet("Contrastive margin loss", anchor, positive, negative, margin);
        using var scope = torch.NewDisposeScope();
        var dp = PairDistance.Rowwise(anchor, positive);
        var dn = PairDistance.Rowwise(anchor, negative);
        using Scalar half = 0.5, m = margin, zero = 0;   // held: see Augment/Functional/ScalarCache
        var pull = dp.square() * half;
        var push = (m - dn).clamp_min(zero).square() * half;
        return (pull + push).mean().MoveToOuterDisposeScope();
    }
}
