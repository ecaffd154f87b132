using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The Barlow Twins loss: the cross-correlation matrix of the two views' batch-standardised embeddings
/// is pushed towards the identity (invariance on the diagonal, redundancy reduction off it).
/// </summary>
/// <remarks>
/// <para>Zbontar, Jing, Misra, LeCun, Deny, "Barlow Twins: Self-Supervised Learning via Redundancy
/// Reduction" (ICML 2021), eqs. 1-2; reference code facebookresearch/barlowtwins <c>main.py</c>
/// (<c>BarlowTwins.forward</c>). docs/methods.md#barlow-twins.</para>
/// <para>Each view <c>[N, D]</c> is standardised per dimension exactly as <c>BatchNorm1d(D, affine=False)</c>
/// in training mode does: <c>(z - mean) / sqrt(var_biased + 1e-5)</c>. Then <c>c = z1n^T z2n / N</c>
/// (<c>[D, D]</c>) and <c>L = scale x (sum_i (c_ii - 1)^2 + lambda sum_{i != j} c_ij^2)</c> with
/// lambda 0.0051. The scale is 1 in the current official code; its first release multiplied by
/// 1/32 = 0.024 (<c>--scale-loss</c>), and solo-learn's CIFAR preset uses 0.1.</para>
/// <para>Swapping the views transposes <c>c</c>, which leaves the loss unchanged.</para>
/// <para>Several processes: the official code all-reduces <c>c</c> and standardises with the global batch
/// (SyncBN); the <c>BarlowTwins</c> method gets the same matrix by applying this loss to the embeddings of the global
/// batch, gathered with gradient.</para>
/// </remarks>
public static class BarlowTwinsLoss
{
    /// <summary>The paper's off-diagonal weight lambda.</summary>
    public const double DefaultLambda = 0.0051;

    /// <summary>The epsilon of the batch standardisation (torch's BatchNorm1d default).</summary>
    public const double BatchNormEpsilon = 1e-5;

    /// <summary>The Barlow Twins loss of two views' embeddings.</summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c> (projector output, before standardisation).</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>; row i is the other view of image i.</param>
    /// <param name="lambda">Weight of the off-diagonal (redundancy-reduction) term (paper: 0.0051).</param>
    /// <param name="scaleLoss">Factor on the whole loss (1; 0.024 in the first official release, 0.1 in solo-learn's CIFAR preset).</param>
    /// <returns>The scalar loss (0-d tensor, differentiable w.r.t. both inputs).</returns>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 2 (the batch standardisation
    /// of one sample is undefined), lambda or the scale is negative or not finite, or an input holds NaN/infinity.</exception>
    public static Tensor Compute(Tensor z1, Tensor z2, double lambda = DefaultLambda, double scaleLoss = 1.0)
    {
        if (!(lambda >= 0) || double.IsInfinity(lambda))
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The Barlow Twins lambda must be a finite number >= 0 (paper: 0.0051).");
        if (!(scaleLoss > 0) || double.IsInfinity(scaleLoss))
            throw new ArgumentOutOfRangeException(nameof(scaleLoss), scaleLoss, "The Barlow Twins scale_loss must be a finite number > 0 (1; 0.024 or 0.1 in older recipes).");
        using var scope = torch.NewDisposeScope();
        using Scalar lam = lambda, scale = scaleLoss;
        var c = CrossCorrelation(z1, z2);
        var onDiagonal = torch.diag(c).add(MinusOne, One).square().sum();
        var offDiagonal = VICRegLoss.OffDiagonalSquares(c);
        return onDiagonal.add_(offDiagonal.mul_(lam), One).mul_(scale).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The cross-correlation matrix <c>c = BN(z1)^T BN(z2) / N</c>, <c>[D, D]</c>, with BN the batch
    /// standardisation of <c>BatchNorm1d(affine=False)</c> in training mode.
    /// </summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c>.</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>.</param>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 2, or an input holds NaN/infinity.</exception>
    public static Tensor CrossCorrelation(Tensor z1, Tensor z2)
    {
        LossChecks.CorrelationPair(z1, z2, "Barlow Twins", "the batch standardisation (BatchNorm) of a single sample is undefined");
        using var scope = torch.NewDisposeScope();
        using Scalar n = z1.shape[0];
        return Standardise(z1).t().mm(Standardise(z2)).div_(n).MoveToOuterDisposeScope();
    }

    /// <summary><c>(z - mean) / sqrt(var_biased + 1e-5)</c> per column of <c>[N, D]</c>.</summary>
    private static Tensor Standardise(Tensor z)
    {
        var variance = z.var(0, unbiased: false, keepdim: true);
        return VICRegLoss.Centre(z).div_(variance.add_(Epsilon, One).sqrt_());
    }

    private static readonly Scalar One = 1.0, MinusOne = -1.0, Epsilon = BatchNormEpsilon;
}
