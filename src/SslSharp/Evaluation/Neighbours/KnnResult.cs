using System.Globalization;

namespace SslSharp.Evaluation.Neighbours;

/// <summary>The outcome of a kNN evaluation: one <see cref="KnnScore"/> per neighbourhood size.</summary>
/// <param name="Scores">Accuracies, one per requested <c>k</c>, in the order requested.</param>
/// <param name="QueryCount">Number of queries evaluated.</param>
/// <param name="BankCount">Number of rows in the memory bank.</param>
/// <param name="Metric">Similarity used to find neighbours.</param>
/// <param name="Weighting">How neighbours voted.</param>
/// <param name="Temperature">Temperature of the exponential weighting (unused for uniform votes).</param>
public sealed record KnnResult(
    IReadOnlyList<KnnScore> Scores,
    int QueryCount,
    int BankCount,
    KnnMetric Metric,
    KnnWeighting Weighting,
    double Temperature)
{
    /// <summary>The score for neighbourhood size <paramref name="k"/>.</summary>
    /// <exception cref="KeyNotFoundException">When <paramref name="k"/> was not evaluated.</exception>
    public KnnScore this[int k] =>
        Scores.FirstOrDefault(s => s.K == k)
        ?? throw new KeyNotFoundException(
            $"kNN was not evaluated for k = {k}; evaluated k: {string.Join(", ", Scores.Select(s => s.K))}.");

    /// <summary>One line for logs, e.g. <c>k=20 top1 84.61% top5 98.10% | k=200 ...</c>.</summary>
    public override string ToString() =>
        string.Join(" | ", Scores.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"k={s.K} top1 {100 * s.Top1:F2}% top5 {100 * s.Top5:F2}%")));
}
