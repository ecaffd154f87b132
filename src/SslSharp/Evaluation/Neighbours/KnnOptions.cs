namespace SslSharp.Evaluation.Neighbours;

/// <summary>Settings of a <see cref="Knn"/> evaluation. Defaults follow the SSL convention.</summary>
/// <remarks>
/// Defaults: cosine similarity, weights <c>exp(sim / 0.07)</c>, <c>k</c> = 20 and 200 (Wu et al.
/// 2018, "Unsupervised Feature Learning via Non-Parametric Instance Discrimination"; DINO
/// <c>eval_knn.py</c>; see docs/evaluation.md#knn).
/// </remarks>
public sealed record KnnOptions
{
    /// <summary>Neighbourhood sizes to evaluate in one pass (each must be at most the bank size).</summary>
    public IReadOnlyList<int> Ks { get; init; } = [20, 200];

    /// <summary>Temperature <c>T</c> of the weights <c>exp(s / T)</c>.</summary>
    public double Temperature { get; init; } = 0.07;

    /// <summary>Similarity used to find neighbours.</summary>
    public KnnMetric Metric { get; init; } = KnnMetric.Cosine;

    /// <summary>How neighbours vote.</summary>
    public KnnWeighting Weighting { get; init; } = KnnWeighting.Exponential;

    /// <summary>
    /// Queries per chunk; 0 picks the largest chunk whose similarity matrix
    /// <c>[chunk, bank]</c> stays within <see cref="MaxChunkElements"/>.
    /// </summary>
    public int QueryChunkSize { get; init; }

    /// <summary>Upper bound on the elements of one chunk's similarity matrix when <see cref="QueryChunkSize"/> is 0 (default 2^25, 128 MB of float).</summary>
    public long MaxChunkElements { get; init; } = 1L << 25;

    /// <summary>The SSL default: cosine, exponential weights, T = 0.07, k = 20 and 200.</summary>
    public static KnnOptions Default { get; } = new();
}
