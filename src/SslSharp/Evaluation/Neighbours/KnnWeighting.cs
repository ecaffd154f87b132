namespace SslSharp.Evaluation.Neighbours;

/// <summary>How the <c>k</c> neighbours of a query vote for its class.</summary>
public enum KnnWeighting
{
    /// <summary>
    /// Each neighbour votes with weight <c>exp(s / T)</c>: <c>s</c> is the cosine similarity for
    /// <see cref="KnnMetric.Cosine"/> and minus the Euclidean distance for <see cref="KnnMetric.L2"/>.
    /// </summary>
    /// <remarks>Wu et al. 2018 (InstDisc), Caron et al. 2021 (DINO <c>eval_knn.py</c>), T = 0.07.</remarks>
    Exponential,

    /// <summary>Majority vote: each neighbour votes with weight 1.</summary>
    Uniform,
}
