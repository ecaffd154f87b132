using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>Input checks shared by the two-view regression losses (<see cref="BYOLLoss"/>, <see cref="SimSiamLoss"/>).</summary>
internal static class PairChecks
{
    /// <summary>Throws a clear error unless <paramref name="p1"/>, <paramref name="p2"/>, <paramref name="z1"/>,
    /// <paramref name="z2"/> are finite <c>[N, D]</c> tensors of one shape with <c>N, D &gt;= 1</c>.</summary>
    public static void Check(string loss, Tensor p1, Tensor p2, Tensor z1, Tensor z2)
    {
        ArgumentNullException.ThrowIfNull(p1);
        ArgumentNullException.ThrowIfNull(p2);
        ArgumentNullException.ThrowIfNull(z1);
        ArgumentNullException.ThrowIfNull(z2);
        var all = new[] { p1, p2, z1, z2 };
        if (all.Any(t => t.dim() != 2) || all.Any(t => !t.shape.SequenceEqual(p1.shape)))
            throw new ArgumentException(
                $"{loss} needs predictions p1, p2 and targets z1, z2 of one shape [N, D] but got " +
                string.Join(", ", all.Select(t => $"[{string.Join(", ", t.shape)}]")) +
                ". The predictor's output width must equal the projector's.");
        if (p1.shape[0] < 1 || p1.shape[1] < 1)
            throw new ArgumentException($"{loss} needs at least one row and one feature, got [{string.Join(", ", p1.shape)}].");
        if (all.Any(t => !t.isfinite().all().item<bool>()))
            throw new ArgumentException(
                $"{loss} got NaN or infinite embeddings: training has diverged (lower the learning rate, check the data for NaN).");
    }

    /// <summary>Row-wise cosine similarity <c>[N]</c> of two <c>[N, D]</c> tensors (L2 norm with eps 1e-12).</summary>
    public static Tensor RowCosine(Tensor a, Tensor b)
    {
        var na = nn.functional.normalize(a, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var nb = nn.functional.normalize(b, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        return (na * nb).sum(1);
    }
}
