namespace SslSharp.Evaluation.Neighbours;

/// <summary>The classes a kNN classifier predicts for every query at one neighbourhood size.</summary>
/// <param name="K">Number of neighbours that voted.</param>
/// <param name="Ranked">
/// For each query, the classes that received votes, best first, at most five (ties go to the
/// smaller class index). <c>Ranked[i][0]</c> is the top-1 prediction of query <c>i</c>.
/// </param>
public sealed record KnnPrediction(int K, IReadOnlyList<long[]> Ranked)
{
    /// <summary>The top-1 prediction of every query.</summary>
    public long[] Top1 => Ranked.Select(r => r[0]).ToArray();
}
