using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Spectral;

/// <summary>
/// Label-free spectral measures of an embedding matrix <c>Z [N, D]</c>: singular values, RankMe,
/// numerical rank, singular-value entropy, covariance eigenvalues and the std of L2-normalised rows.
/// Everything is computed in float64 (inputs of any floating dtype are cast), on the input's device.
/// </summary>
/// <remarks>
/// <para>RankMe: Garrido, Balestriero, Najman, LeCun, "RankMe: Assessing the Downstream Performance of
/// Pretrained Self-Supervised Representations by Their Rank" (ICML 2023); reference code
/// stable-pretraining / reptrix <c>rankme.py</c>. Dimensional collapse and the log singular-value
/// spectrum: Jing, Vincent, LeCun, Tian, "Understanding Dimensional Collapse in Contrastive
/// Self-supervised Learning" (ICLR 2022). Std of L2-normalised outputs as a collapse monitor: Chen &amp;
/// He, "Exploring Simple Siamese Representation Learning" (CVPR 2021), section 4.1.</para>
/// <para>Reference values: <c>scripts/make_spectral_fixtures.py</c> (NumPy / PyTorch).</para>
/// </remarks>
public static class SpectralMetrics
{
    /// <summary>The constant RankMe adds to every normalised singular value (the paper's epsilon).</summary>
    public const double RankMeEpsilon = 1e-7;

    /// <summary>Singular values of the uncentred <paramref name="z"/>, descending, computed in float64.</summary>
    /// <param name="z">Embeddings <c>[N, D]</c>, any floating dtype.</param>
    /// <returns><c>min(N, D)</c> singular values, largest first.</returns>
    public static double[] SingularValues(Tensor z)
    {
        CheckMatrix(z, nameof(z));
        using var scope = NewDisposeScope();
        using var sigma = linalg.svdvals(z.detach().to(ScalarType.Float64)).cpu();
        return sigma.data<double>().ToArray();
    }

    /// <summary>
    /// RankMe = <c>exp(-sum_k p_k log p_k)</c> with <c>p_k = sigma_k / sum(sigma) + 1e-7</c>, a smooth
    /// rank between 1 and <c>min(N, D)</c>. A zero matrix gets 0.
    /// </summary>
    /// <param name="singularValues">All singular values of the uncentred <c>Z</c> (see <see cref="SingularValues"/>).</param>
    public static double RankMe(IReadOnlyList<double> singularValues)
    {
        ArgumentNullException.ThrowIfNull(singularValues);
        double sum = singularValues.Sum();
        if (!(sum > 0)) return 0;
        double entropy = 0;
        foreach (var s in singularValues)
        {
            double p = s / sum + RankMeEpsilon;
            entropy -= p * Math.Log(p);
        }
        return Math.Exp(entropy);
    }

    /// <summary>
    /// Numerical rank: how many singular values exceed <c>max(N, D) * sigma_max * eps</c>, the default
    /// tolerance of <c>torch.linalg.matrix_rank</c> and NumPy's <c>matrix_rank</c>.
    /// </summary>
    /// <param name="singularValues">Singular values, any order.</param>
    /// <param name="rows"><c>N</c>.</param>
    /// <param name="cols"><c>D</c>.</param>
    /// <param name="eps">Machine epsilon of the dtype the matrix was stored in (<see cref="MachineEpsilon"/>):
    /// the data is only known to that precision, so smaller singular values are rounding noise.</param>
    public static int NumericalRank(IReadOnlyList<double> singularValues, long rows, long cols, double eps)
    {
        ArgumentNullException.ThrowIfNull(singularValues);
        if (singularValues.Count == 0) return 0;
        double max = singularValues.Max();
        if (!(max > 0)) return 0;
        double tol = RankTolerance(max, rows, cols, eps);
        return singularValues.Count(s => s > tol);
    }

    /// <summary>The rank tolerance <c>max(N, D) * sigmaMax * eps</c>: singular values at or below it are rounding noise.</summary>
    /// <param name="sigmaMax">Largest singular value of the matrix.</param>
    /// <param name="rows"><c>N</c>.</param>
    /// <param name="cols"><c>D</c>.</param>
    /// <param name="eps">Machine epsilon of the dtype the matrix was stored in.</param>
    public static double RankTolerance(double sigmaMax, long rows, long cols, double eps) => Math.Max(rows, cols) * sigmaMax * eps;

    /// <summary>Machine epsilon of a floating dtype (float32 2^-23, float64 2^-52, float16 2^-10, bfloat16 2^-7).</summary>
    /// <exception cref="ArgumentException">Not a floating dtype.</exception>
    public static double MachineEpsilon(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => Math.ScaleB(1, -23),
        ScalarType.Float64 => Math.ScaleB(1, -52),
        ScalarType.Float16 => Math.ScaleB(1, -10),
        ScalarType.BFloat16 => Math.ScaleB(1, -7),
        _ => throw new ArgumentException($"Machine epsilon is defined for floating dtypes only, got {dtype}.", nameof(dtype)),
    };

    /// <summary>
    /// Normalised singular-value entropy in [0, 1]: with <c>q_k = sigma_k^2 / sum(sigma^2)</c> (each
    /// direction's share of the energy <c>||Z||_F^2</c>, i.e. the eigenvalues of the trace-normalised Gram
    /// matrix), <c>H = -sum_{q_k &gt; 0} q_k log q_k / log(min(N, D))</c>. 1: all directions carry equal
    /// energy; 0: one direction carries everything (complete collapse). A zero matrix gets 0.
    /// </summary>
    /// <remarks>The von Neumann (matrix-based Rényi, order 1) entropy of Giraldo, Rao, Príncipe,
    /// "Measures of Entropy from Data Using Infinitely Divisible Kernels" (IEEE TIT 2015), normalised by
    /// its maximum. Squares rather than RankMe's plain singular values, so the two measures differ.</remarks>
    /// <param name="singularValues">All <c>min(N, D)</c> singular values of <c>Z</c>.</param>
    public static double SingularValueEntropy(IReadOnlyList<double> singularValues)
    {
        ArgumentNullException.ThrowIfNull(singularValues);
        if (singularValues.Count < 2) return 0;
        double energy = singularValues.Sum(s => s * s);
        if (!(energy > 0)) return 0;
        double h = 0;
        foreach (var s in singularValues)
        {
            double q = s * s / energy;
            if (q > 0) h -= q * Math.Log(q);
        }
        return h / Math.Log(singularValues.Count);
    }

    /// <summary>
    /// Eigenvalues of the centred covariance <c>Zc^T Zc / (N - 1)</c>, descending, computed as
    /// <c>sigma(Zc)^2 / (N - 1)</c> (float64 SVD of the centred matrix).
    /// </summary>
    /// <param name="z">Embeddings <c>[N, D]</c> with <c>N &gt;= 2</c>.</param>
    /// <returns><c>min(N, D)</c> eigenvalues, largest first (the others are 0).</returns>
    public static double[] CovarianceEigenvalues(Tensor z)
    {
        CheckMatrix(z, nameof(z));
        using var scope = NewDisposeScope();
        var x = z.detach().to(ScalarType.Float64);
        var centred = x - x.mean(new long[] { 0 }, keepdim: true);
        var sigma = linalg.svdvals(centred).cpu();
        double n1 = z.shape[0] - 1;
        return sigma.data<double>().Select(s => s * s / n1).ToArray();
    }

    /// <summary>
    /// Std of the L2-normalised rows: each row divided by its norm, then the unbiased std of every
    /// dimension over the <c>N</c> rows, averaged over the <c>D</c> dimensions. Complete collapse gives 0;
    /// rows spread uniformly over the sphere give about <c>1 / sqrt(D)</c>.
    /// </summary>
    /// <param name="z">Embeddings <c>[N, D]</c> with <c>N &gt;= 2</c>.</param>
    public static double NormalizedStd(Tensor z)
    {
        CheckMatrix(z, nameof(z));
        using var scope = NewDisposeScope();
        var x = nn.functional.normalize(z.detach().to(ScalarType.Float64), dim: 1);
        return x.std(0, unbiased: true).mean().item<double>();
    }

    /// <summary>Throws unless <paramref name="z"/> is a floating <c>[N, D]</c> matrix with <c>N &gt;= 2</c>, <c>D &gt;= 1</c>.</summary>
    internal static void CheckMatrix(Tensor z, string name)
    {
        ArgumentNullException.ThrowIfNull(z, name);
        if (z.dim() != 2 || z.shape[0] < 2 || z.shape[1] < 1)
            throw new ArgumentException(
                $"{name} must be an [N, D] matrix with at least 2 rows but has shape [{string.Join(", ", z.shape)}]. " +
                "Pass one embedding per row (flatten feature maps first).", name);
        if (!z.is_floating_point())
            throw new ArgumentException($"{name} must be floating point but is {z.dtype}.", name);
    }
}
