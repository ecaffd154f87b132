using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The Euclidean distance of the classic margin losses, <c>d(a, b) = ||a - b + eps||_2</c> with
/// eps 1e-6, as PyTorch's <c>torch.nn.functional.pairwise_distance</c> computes it (the eps keeps the
/// gradient finite when two embeddings coincide).
/// </summary>
/// <remarks>Used by <see cref="TripletMarginLoss"/>, <see cref="ContrastiveMarginLoss"/> and the
/// in-batch negative mining of the deep-metric-learning methods (which must rank candidates by the same
/// distance the loss sees).</remarks>
public static class PairDistance
{
    /// <summary>PyTorch's default <c>eps</c> of <c>pairwise_distance</c>.</summary>
    public const double Eps = 1e-6;

    // Held for the process's lifetime: a temporary Scalar can be finalised mid-call (see Augment/Functional/ScalarCache).
    private static readonly Scalar EpsScalar = Eps;

    /// <summary>Row-wise distances <c>||a_i - b_i + eps||</c>.</summary>
    /// <param name="a">Embeddings <c>[N, D]</c>.</param>
    /// <param name="b">Embeddings <c>[N, D]</c>.</param>
    /// <returns>Distances <c>[N]</c> (differentiable).</returns>
    public static Tensor Rowwise(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return torch.linalg.vector_norm(a - b + EpsScalar, 2, new long[] { 1 }).MoveToOuterDisposeScope();
    }

    /// <summary>All pairwise distances <c>D[i, j] = ||a_i - c_j + eps||</c>.</summary>
    /// <param name="a">Anchors <c>[M, D]</c>.</param>
    /// <param name="c">Candidates <c>[K, D]</c>.</param>
    /// <returns>Distances <c>[M, K]</c> (no gradient is needed by mining, but it flows).</returns>
    public static Tensor Matrix(Tensor a, Tensor c)
    {
        using var scope = torch.NewDisposeScope();
        // ||a_i - c_j + eps|| = ||(a_i + eps) - c_j||. libtorch computes it directly up to 25 rows and through
        // a matrix product beyond (round-off ~1e-7 relative), which only matters for near-ties in mining.
        return torch.cdist(a + EpsScalar, c, 2.0).MoveToOuterDisposeScope();
    }

    /// <summary>Row-wise cosine similarity <c>[N]</c> of two <c>[N, D]</c> tensors (L2 norm with eps 1e-12), as
    /// <see cref="BYOLLoss"/> and <see cref="SimSiamLoss"/> use it.</summary>
    internal static Tensor RowCosine(Tensor a, Tensor b)
    {
        var na = nn.functional.normalize(a, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var nb = nn.functional.normalize(b, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        return (na * nb).sum(1);
    }
}
