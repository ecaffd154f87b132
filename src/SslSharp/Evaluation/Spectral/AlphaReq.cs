namespace SslSharp.Evaluation.Spectral;

/// <summary>
/// alpha-ReQ: the decay exponent of the eigenspectrum of the centred covariance of the
/// representations, from a weighted least-squares fit <c>log lambda_i = -alpha log i + b</c> with
/// weights <c>1 / i</c> over a middle range of indices.
/// </summary>
/// <remarks>
/// <para>Agrawal, Mondal, Ghosh, Richards, "alpha-ReQ: Assessing Representation Quality in
/// Self-Supervised Learning by measuring eigenspectrum decay" (NeurIPS 2022); reference code
/// arnab39/reptrix <c>alpha.py</c> (after Stringer &amp; Pachitariu 2019). The weights <c>1 / i</c> give
/// every decade of indices about the same total weight, where equal weights would let the many tail
/// points dominate a log-log fit.</para>
/// <para>Range (1-based, inclusive), see <see cref="DefaultRange"/>: <c>Last = min(100, floor(0.9 r))</c>
/// where <c>r</c> is the number of singular values of the centred matrix above the rank tolerance of the
/// uncentred one, <c>max(N, D) sigma_max(Z) eps</c> (the smallest 10 % of the non-zero
/// eigenvalues are the sampling/rounding noise floor, which bends the log-log curve down); <c>First = 6</c>
/// (the 5 leading eigenvalues are skipped: they carry the few dominant directions that sit above the
/// power law, reptrix's default <c>fit_range = arange(5, 100)</c> in 0-based indices) when
/// <c>Last &gt;= 15</c>, else <c>First = 1</c> (too few eigenvalues to discard any). No fit when
/// <c>Last &lt; 3</c>.</para>
/// <para><c>R^2 = 1 - sum w (y - y_hat)^2 / sum w (y - y_bar_w)^2</c> over the fitted points with the same
/// weights and the weighted mean <c>y_bar_w</c> (reptrix reports an unweighted R^2 over a wider range).</para>
/// </remarks>
public static class AlphaReq
{
    /// <summary>Leading eigenvalues skipped when the spectrum is long enough (<see cref="DefaultRange"/>).</summary>
    public const int SkippedLeading = 5;

    /// <summary>The last index ever fitted (reptrix's default range ends at eigenvalue 100).</summary>
    public const int MaxLast = 100;

    /// <summary>Fraction of the numerical rank kept before the noise floor.</summary>
    public const double KeptFraction = 0.9;

    /// <summary>
    /// The fitted index range for a spectrum with <paramref name="rank"/> non-negligible eigenvalues,
    /// or null when fewer than 3 points would remain (see the class remarks).
    /// </summary>
    /// <param name="rank">Numerical rank of the centred matrix.</param>
    public static (int First, int Last)? DefaultRange(int rank)
    {
        int last = Math.Min(MaxLast, (int)Math.Floor(KeptFraction * rank));
        if (last < 3) return null;
        return (last >= 15 ? SkippedLeading + 1 : 1, last);
    }

    /// <summary>
    /// Fits <c>log lambda_i = -alpha log i + b</c> with weights <c>1 / i</c> over <c>i = first..last</c> (1-based).
    /// </summary>
    /// <param name="eigenvalues">Eigenvalues, largest first.</param>
    /// <param name="first">First index (1-based, inclusive).</param>
    /// <param name="last">Last index (1-based, inclusive).</param>
    /// <exception cref="ArgumentException">The range holds fewer than 2 points, leaves the spectrum, or covers a non-positive eigenvalue.</exception>
    public static PowerLawFit Fit(IReadOnlyList<double> eigenvalues, int first, int last)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        if (first < 1 || last > eigenvalues.Count || last - first < 1)
            throw new ArgumentException(
                $"The fit range [{first}, {last}] must hold at least 2 indices within 1..{eigenvalues.Count}.", nameof(first));
        double sw = 0, swx = 0, swy = 0, swxx = 0, swxy = 0;
        for (int i = first; i <= last; i++)
        {
            double lambda = eigenvalues[i - 1];
            if (!(lambda > 0))
                throw new ArgumentException($"Eigenvalue {i} is {lambda}; a power law needs positive eigenvalues over the fit range.", nameof(eigenvalues));
            double w = 1.0 / i, x = Math.Log(i), y = Math.Log(lambda);
            sw += w; swx += w * x; swy += w * y; swxx += w * x * x; swxy += w * x * y;
        }
        // Weighted least squares of y = slope x + b (normal equations); alpha = -slope.
        double xbar = swx / sw, ybar = swy / sw;
        double sxx = swxx - sw * xbar * xbar, sxy = swxy - sw * xbar * ybar;
        double slope = sxy / sxx, intercept = ybar - slope * xbar;
        double ssRes = 0, ssTot = 0;
        for (int i = first; i <= last; i++)
        {
            double w = 1.0 / i, y = Math.Log(eigenvalues[i - 1]);
            double r = y - (slope * Math.Log(i) + intercept), t = y - ybar;
            ssRes += w * r * r;
            ssTot += w * t * t;
        }
        double r2 = ssTot > 0 ? 1 - ssRes / ssTot : 1.0;
        return new PowerLawFit(-slope, intercept, r2, first, last);
    }

    /// <summary>
    /// alpha-ReQ of a covariance spectrum with the default range, or null when the centred matrix has
    /// fewer than 4 singular values above <paramref name="singularValueTolerance"/>.
    /// </summary>
    /// <param name="covarianceEigenvalues">Eigenvalues of the centred covariance, largest first (<see cref="SpectralMetrics.CovarianceEigenvalues"/>).</param>
    /// <param name="rows"><c>N</c> of the embedding matrix (the covariance divides by <c>N - 1</c>).</param>
    /// <param name="singularValueTolerance">
    /// Rounding level of the data, <see cref="SpectralMetrics.RankTolerance"/> of the <i>uncentred</i> matrix: the
    /// centred matrix's own largest singular value would turn the rounding noise of a constant matrix into a
    /// spectrum.
    /// </param>
    public static PowerLawFit? Compute(IReadOnlyList<double> covarianceEigenvalues, long rows, double singularValueTolerance)
    {
        ArgumentNullException.ThrowIfNull(covarianceEigenvalues);
        // Singular values of the centred matrix are sqrt((N - 1) lambda).
        int rank = covarianceEigenvalues.Count(l => Math.Sqrt(Math.Max(0, l) * (rows - 1)) > singularValueTolerance);
        return DefaultRange(rank) is (int first, int last) ? Fit(covarianceEigenvalues, first, last) : null;
    }
}
