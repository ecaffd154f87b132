namespace SslSharp.Evaluation.Neighbours;

/// <summary>How <see cref="Knn"/> measures closeness between a query and the memory bank.</summary>
public enum KnnMetric
{
    /// <summary>
    /// Cosine similarity: features are L2-normalised, neighbours are the rows with the largest dot
    /// product (the SSL convention: InstDisc, DINO <c>knn_classifier</c>).
    /// </summary>
    Cosine,

    /// <summary>
    /// Euclidean distance on the raw (not normalised) features: neighbours are the rows with the
    /// smallest distance (the classic raw-pixel kNN baseline, scikit-learn's default).
    /// </summary>
    L2,
}
