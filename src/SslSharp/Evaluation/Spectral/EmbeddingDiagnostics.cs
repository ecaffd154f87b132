using static TorchSharp.torch;

namespace SslSharp.Evaluation.Spectral;

/// <summary>
/// The one entry point of the label-free embedding diagnostics: RankMe, numerical rank,
/// singular-value entropy and spectrum, alpha-ReQ, std of normalised embeddings, alignment and
/// uniformity of one embedding matrix.
/// </summary>
/// <remarks>
/// See <see cref="SpectralMetrics"/>, <see cref="AlphaReq"/> and <see cref="AlignmentUniformity"/> for
/// the definitions and papers. Reference values: <c>scripts/make_spectral_fixtures.py</c>.
/// RankMe's paper uses up to 25,600 embeddings; a few thousand are enough for a trend.
/// </remarks>
public static class EmbeddingDiagnostics
{
    /// <summary>Computes every diagnostic of <paramref name="z"/>.</summary>
    /// <param name="z">Embeddings <c>[N, D]</c>, <c>N &gt;= 2</c>, any floating dtype (its epsilon sets the numerical rank).</param>
    /// <param name="positives">Embeddings <c>[N, D]</c> of a second view of the same inputs (row i pairs with row i) for the alignment, or null.</param>
    /// <exception cref="ArgumentException"><paramref name="z"/> is not a floating <c>[N, D]</c> matrix with <c>N &gt;= 2</c>, or the positives do not match it.</exception>
    public static SpectralReport Analyze(Tensor z, Tensor? positives = null)
    {
        SpectralMetrics.CheckMatrix(z, nameof(z));
        long n = z.shape[0], d = z.shape[1];
        double eps = SpectralMetrics.MachineEpsilon(z.dtype);
        var sigma = SpectralMetrics.SingularValues(z);
        var eigen = SpectralMetrics.CovarianceEigenvalues(z);
        return new SpectralReport(
            n, d, sigma,
            SpectralMetrics.RankMe(sigma),
            SpectralMetrics.NumericalRank(sigma, n, d, eps),
            SpectralMetrics.SingularValueEntropy(sigma),
            eigen,
            AlphaReq.Compute(eigen, n, SpectralMetrics.RankTolerance(sigma.Length > 0 ? sigma[0] : 0, n, d, eps)),
            SpectralMetrics.NormalizedStd(z),
            AlignmentUniformity.Uniformity(z),
            positives is null ? null : AlignmentUniformity.Alignment(z, positives));
    }
}
