namespace SslSharp.Methods.Contrastive;

/// <summary>Which classic margin loss a <see cref="DeepMetricLearning"/> method trains with.</summary>
public enum MarginLossKind
{
    /// <summary><see cref="Losses.TripletMarginLoss"/>: <c>max(d(a,p) - d(a,n) + m, 0)</c>.</summary>
    Triplet,

    /// <summary><see cref="Losses.ContrastiveMarginLoss"/> (Hadsell et al. 2006): <c>1/2 d_p^2 + 1/2 max(m - d_n, 0)^2</c>.</summary>
    Contrastive,
}
