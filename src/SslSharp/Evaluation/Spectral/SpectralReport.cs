namespace SslSharp.Evaluation.Spectral;

/// <summary>
/// The label-free diagnostics of one embedding matrix <c>Z [N, D]</c> (see <see cref="EmbeddingDiagnostics.Analyze"/>).
/// </summary>
/// <param name="Rows"><c>N</c>, the number of embeddings.</param>
/// <param name="Dim"><c>D</c>, the embedding width.</param>
/// <param name="SingularValues">Singular values of the uncentred <c>Z</c>, largest first (<c>min(N, D)</c> of them): the spectrum to plot on a log axis.</param>
/// <param name="RankMe">RankMe (<see cref="SpectralMetrics.RankMe"/>), between 1 and <c>min(N, D)</c>.</param>
/// <param name="NumericalRank">Singular values above <c>max(N, D) sigma_max eps</c> (<see cref="SpectralMetrics.NumericalRank"/>).</param>
/// <param name="SingularValueEntropy">Normalised entropy of the energy spectrum, in [0, 1] (<see cref="SpectralMetrics.SingularValueEntropy"/>).</param>
/// <param name="CovarianceEigenvalues">Eigenvalues of the centred covariance, largest first.</param>
/// <param name="AlphaReq">The power-law fit of <paramref name="CovarianceEigenvalues"/> (<see cref="Spectral.AlphaReq"/>), or null when the spectrum is too short (fewer than 4 non-negligible eigenvalues).</param>
/// <param name="NormalizedStd">Std of the L2-normalised rows (<see cref="SpectralMetrics.NormalizedStd"/>); healthy ~ <c>1 / sqrt(D)</c>, collapse 0.</param>
/// <param name="Uniformity">Uniformity of the rows (<see cref="AlignmentUniformity.Uniformity"/>, t 2).</param>
/// <param name="Alignment">Alignment with the positives (<see cref="AlignmentUniformity.Alignment"/>, alpha 2), or null when no positives were given.</param>
public sealed record SpectralReport(
    long Rows,
    long Dim,
    IReadOnlyList<double> SingularValues,
    double RankMe,
    int NumericalRank,
    double SingularValueEntropy,
    IReadOnlyList<double> CovarianceEigenvalues,
    PowerLawFit? AlphaReq,
    double NormalizedStd,
    double Uniformity,
    double? Alignment)
{
    /// <summary>The healthy reference of <see cref="NormalizedStd"/>: <c>1 / sqrt(D)</c>.</summary>
    public double HealthyStd => 1.0 / Math.Sqrt(Dim);
}
