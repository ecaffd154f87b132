namespace SslSharp.Evaluation.Neighbours;

/// <summary>kNN accuracy for one neighbourhood size.</summary>
/// <param name="K">Number of neighbours that voted.</param>
/// <param name="Top1">Fraction of queries (in [0, 1]) whose highest-voted class is their label.</param>
/// <param name="Top5">
/// Fraction of queries (in [0, 1]) whose label is among the five highest-voted classes that
/// received at least one vote (equals <see cref="Top1"/> when <c>K = 1</c>).
/// </param>
public sealed record KnnScore(int K, double Top1, double Top5);
