using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The decoupled contrastive loss (DCL) and its weighted form (DCLW): NT-Xent without the positive
/// pair in the denominator, so that the positive's gradient is not damped by its own softmax share.
/// </summary>
/// <remarks>
/// <para>Yeh, Hong, Hsu, Liu, Chen, LeCun, "Decoupled Contrastive Learning" (ECCV 2022): the DCL loss and the
/// DCLW weighting; reference code: raminnakhli/Decoupled-Contrastive-Learning
/// <c>loss/dcl.py</c> (<c>DCL</c>, <c>DCLW</c>; the implementation lightly cites) and lightly
/// <c>lightly/loss/dcl_loss.py</c>. docs/methods.md#dcl-and-dclw.</para>
/// <para>With <c>a = norm(z1)</c>, <c>b = norm(z2)</c> (<c>[N, D]</c>, eps 1e-12), the direction
/// 1 -> 2 is <c>L_i = -w_i a_i.b_i / T + logsumexp_{j != i}([a_i.a_j, a_i.b_j] / T)</c>: the negatives
/// are the 2N-2 embeddings of the other images in both views, the positive appears only in the
/// numerator (the reference code masks the two entries of image i with <c>+log(1e-45)</c>; here they
/// are removed exactly). The loss is the mean over i, averaged over the two directions (the reference
/// <c>DCL</c> computes one direction per call; lightly averages both, as here). DCL: <c>w_i = 1</c>. DCLW:
/// <c>w = 2 - N softmax(a.b / sigma)</c> over the batch, computed on detached embeddings (no gradient
/// flows through the weight; lightly's <c>negative_mises_fisher_weights</c>), so easy positives (high
/// similarity) get less weight; <c>w</c> sums to N.</para>
/// </remarks>
public static class DCLLoss
{
    /// <summary>The paper's temperature.</summary>
    public const double DefaultTemperature = 0.1;

    /// <summary>The paper's DCLW weighting width <c>sigma</c>.</summary>
    public const double DefaultSigma = 0.5;

    /// <summary>DCL of two views (unweighted positives).</summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c> (need not be normalised).</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>; row i is the positive of row i of <paramref name="z1"/>.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c> (paper: 0.1).</param>
    /// <returns>The scalar loss (0-d tensor), averaged over the N anchors of both directions.</returns>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 2, or an input is not finite.</exception>
    public static Tensor Compute(Tensor z1, Tensor z2, double temperature = DefaultTemperature) =>
        Core(z1, z2, temperature, null);

    /// <summary>DCLW of two views: the positive term of anchor i weighted by
    /// <see cref="VonMisesFisherWeights"/>.</summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c>.</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c> (paper: 0.1).</param>
    /// <param name="sigma">Width of the weighting softmax, <c>&gt; 0</c> (paper: 0.5).</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    /// <exception cref="ArgumentException">As <see cref="Compute"/>, or a bad <paramref name="sigma"/>.</exception>
    public static Tensor ComputeWeighted(Tensor z1, Tensor z2, double temperature = DefaultTemperature, double sigma = DefaultSigma)
    {
        LossChecks.Positive(nameof(sigma), sigma, "The DCLW weighting width sigma (paper: 0.5)");
        return Core(z1, z2, temperature, sigma);
    }

    /// <summary>
    /// DCLW's positive weights <c>w = 2 - N softmax(a.b / sigma)</c> over the batch, from detached
    /// L2-normalised embeddings (no gradient).
    /// </summary>
    /// <param name="a">Normalised view-1 embeddings, <c>[N, D]</c>.</param>
    /// <param name="b">Normalised view-2 embeddings, <c>[N, D]</c>.</param>
    /// <param name="sigma">Width of the softmax, <c>&gt; 0</c>.</param>
    /// <returns>Weights <c>[N]</c> (sum N, each below 2), without gradient.</returns>
    public static Tensor VonMisesFisherWeights(Tensor a, Tensor b, double sigma = DefaultSigma)
    {
        LossChecks.Positive(nameof(sigma), sigma, "The DCLW weighting width sigma (paper: 0.5)");
        LossChecks.SamePairShape("DCLW", a, b);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long n = a.shape[0];
        using Scalar width = sigma, two = 2.0, count = n;   // held: see Augment/Functional/ScalarCache
        var similarity = (a.detach() * b.detach()).sum(1).div(width);
        return (two - count * similarity.softmax(0)).MoveToOuterDisposeScope();
    }

    private static Tensor Core(Tensor z1, Tensor z2, double temperature, double? sigma)
    {
        string name = sigma is null ? "DCL" : "DCLW";
        LossChecks.Positive(nameof(temperature), temperature, $"The {name} temperature (paper: 0.1)");
        LossChecks.SamePairShape(name, z1, z2);
        LossChecks.MinimumRows(name, z1.shape[0], 2, "a batch of 1 has no negatives");
        LossChecks.Finite(name, z1, z2);
        using var scope = torch.NewDisposeScope();
        var a = nn.functional.normalize(z1, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var b = nn.functional.normalize(z2, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var weights = sigma is null ? null : VonMisesFisherWeights(a, b, sigma.Value);
        using Scalar half = 0.5;   // held: see Augment/Functional/ScalarCache
        var loss = (Direction(a, b, temperature, weights) + Direction(b, a, temperature, weights)) * half;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Anchors <paramref name="a"/> [N, D] against their positives <paramref name="b"/> and the other images of both views.</summary>
    private static Tensor Direction(Tensor a, Tensor b, double temperature, Tensor? weights)
    {
        long n = a.shape[0];
        using Scalar t = temperature, minusInfinity = double.NegativeInfinity;   // held: see Augment/Functional/ScalarCache
        var cross = torch.mm(a, b.t());                                   // [N, N] a_i . b_j
        var positive = cross.diagonal().neg().div(t);                     // [N]
        if (weights is not null) positive = positive * weights;
        var candidates = torch.cat(new[] { torch.mm(a, a.t()), cross }, 1).div(t);   // [N, 2N]
        var sameImage = torch.eye(n, dtype: ScalarType.Bool, device: a.device).repeat(1, 2);   // a_i.a_i and a_i.b_i
        var negative = candidates.masked_fill(sameImage, minusInfinity).logsumexp(1);  // [N]
        return (positive + negative).mean();
    }
}
