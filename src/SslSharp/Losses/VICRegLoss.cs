using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The VICReg loss: an invariance term pulls the two views' embeddings together, a variance term keeps
/// every embedding dimension's standard deviation above 1, and a covariance term decorrelates the
/// dimensions.
/// </summary>
/// <remarks>
/// <para>Bardes, Ponce, LeCun, "VICReg: Variance-Invariance-Covariance Regularization for
/// Self-Supervised Learning" (ICLR 2022), eqs. 1-6; reference code facebookresearch/vicreg
/// <c>main_vicreg.py</c> (<c>VICReg.forward</c>). docs/methods.md#vicreg.</para>
/// <para>For embeddings <c>z1, z2</c> of shape <c>[N, D]</c>:
/// <c>inv = mean((z1 - z2)^2)</c>; each view is centred over the batch,
/// <c>std_j = sqrt(var_unbiased_j + 1e-4)</c>, <c>var = mean_j relu(1 - std1_j) / 2 + mean_j relu(1 - std2_j) / 2</c>
/// (the official 1/2 per view; solo-learn drops it), and with <c>C = z^T z / (N - 1)</c> of the centred
/// view, <c>cov = sum_{i != j} C1_ij^2 / D + sum_{i != j} C2_ij^2 / D</c>. The loss is
/// <c>25 inv + 25 var + 1 cov</c> by default.</para>
/// <para>Several processes: the official code all-gathers the embeddings (with gradient) for the variance and
/// covariance terms; the <c>VICReg</c> method applies this loss to the gathered embeddings of the global batch (the
/// invariance term then averages over the global batch too, which is the mean of the processes' local terms).</para>
/// </remarks>
public static class VICRegLoss
{
    /// <summary>The epsilon added to the variance before the square root (official 1e-4).</summary>
    public const double VarianceEpsilon = 1e-4;

    /// <summary>The weighted VICReg loss of two views; see <see cref="ComputeTerms"/> for the terms.</summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c>.</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>; row i is the other view of image i.</param>
    /// <param name="simCoeff">Weight of the invariance term (paper: 25).</param>
    /// <param name="stdCoeff">Weight of the variance term (paper: 25).</param>
    /// <param name="covCoeff">Weight of the covariance term (paper: 1).</param>
    /// <returns>The scalar loss (0-d tensor, differentiable w.r.t. both inputs).</returns>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 2, a coefficient is negative
    /// or not finite, or an input holds NaN/infinity.</exception>
    public static Tensor Compute(Tensor z1, Tensor z2, double simCoeff = 25, double stdCoeff = 25, double covCoeff = 1)
    {
        CheckCoefficient(simCoeff, nameof(simCoeff));
        CheckCoefficient(stdCoeff, nameof(stdCoeff));
        CheckCoefficient(covCoeff, nameof(covCoeff));
        using var scope = torch.NewDisposeScope();
        var t = ComputeTerms(z1, z2);
        // Scalars held by `using` so that no temporary native Scalar can be finalised mid-call (see ScalarCache).
        using Scalar sim = simCoeff, std = stdCoeff, cov = covCoeff;
        var loss = t.Invariance.mul(sim).add_(t.Variance.mul(std), One).add_(t.Covariance.mul(cov), One);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The three unweighted VICReg terms of two views (each a differentiable 0-d tensor).</summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c>.</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>.</param>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 2, or an input holds NaN/infinity.</exception>
    public static VICRegTerms ComputeTerms(Tensor z1, Tensor z2)
    {
        LossChecks.CorrelationPair(z1, z2, "VICReg", "the variance and covariance need at least 2 samples");
        using var scope = torch.NewDisposeScope();
        long n = z1.shape[0], d = z1.shape[1];
        using Scalar nMinusOne = n - 1, width = d;
        var invariance = nn.functional.mse_loss(z1, z2);
        var c1 = Centre(z1);
        var c2 = Centre(z2);
        var variance = Hinge(c1).add_(Hinge(c2), One).div_(Two);
        var covariance = OffDiagonalSquares(c1.t().mm(c1).div_(nMinusOne)).div_(width)
            .add_(OffDiagonalSquares(c2.t().mm(c2).div_(nMinusOne)).div_(width), One);
        return new VICRegTerms(invariance.MoveToOuterDisposeScope(), variance.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope());
    }

    private static readonly Scalar One = 1.0, MinusOne = -1.0, Two = 2.0, Epsilon = VarianceEpsilon;

    /// <summary><c>z - mean(z)</c> over the batch, <c>[N, D]</c>.</summary>
    internal static Tensor Centre(Tensor z) => z.add(z.mean(new long[] { 0 }, keepdim: true), MinusOne);

    /// <summary><c>mean_j relu(1 - sqrt(var_j + 1e-4))</c> of a centred view <c>[N, D]</c>.</summary>
    private static Tensor Hinge(Tensor centred)
    {
        var std = centred.var(0, unbiased: true).add_(Epsilon, One).sqrt_();
        return nn.functional.relu(std.neg().add_(One, One)).mean();
    }

    /// <summary>Sum of the squared off-diagonal entries of a square matrix <c>[D, D]</c>.</summary>
    internal static Tensor OffDiagonalSquares(Tensor m) => m.add(torch.diag(torch.diag(m)), MinusOne).square().sum();

    private static void CheckCoefficient(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, "VICReg loss coefficients must be finite numbers >= 0 (paper: 25, 25, 1).");
    }
}
