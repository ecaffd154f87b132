using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// Symmetric InfoNCE on cross-view logits only: row i of view 1 must pick out row i of view 2 among all
/// N rows of view 2 (and vice versa); same-view similarities are not used.
/// </summary>
/// <remarks>
/// <para>The loss of DirectCLR: Jing, Vincent, LeCun, Tian, "Understanding Dimensional Collapse in
/// Contrastive Self-supervised Learning" (ICLR 2022); reference code facebookresearch/directclr
/// <c>main.py</c> (<c>infoNCE</c>, applied as <c>infoNCE(z1, z2)/2 + infoNCE(z2, z1)/2</c>). Also the
/// InfoNCE of CPC/CLIP form (van den Oord et al. 2018). docs/methods.md#directclr.</para>
/// <para>With <c>a = norm(z1)</c>, <c>b = norm(z2)</c> (<c>[N, D]</c>, eps 1e-12) and logits
/// <c>a b^T / T</c> (<c>[N, N]</c>): loss = 1/2 CE(logits, diag) + 1/2 CE(logits^T, diag). Unlike
/// <see cref="NTXentLoss"/> there are N-1 negatives per anchor (the other view's other images), not 2N-2.</para>
/// </remarks>
public static class CrossViewInfoNCELoss
{
    /// <summary>DirectCLR's temperature.</summary>
    public const double DefaultTemperature = 0.1;

    /// <summary>The symmetric cross-view InfoNCE of two views.</summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c> (need not be normalised).</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>; row i is the positive of row i of <paramref name="z1"/>.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c> (DirectCLR: 0.1).</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 2, or an input is not finite.</exception>
    public static Tensor Compute(Tensor z1, Tensor z2, double temperature = DefaultTemperature)
    {
        LossChecks.Positive(nameof(temperature), temperature, "The InfoNCE temperature (DirectCLR: 0.1)");
        LossChecks.SamePairShape("InfoNCE", z1, z2);
        LossChecks.MinimumRows("InfoNCE", z1.shape[0], 2, "a batch of 1 has no negatives");
        LossChecks.Finite("InfoNCE", z1, z2);
        using var scope = torch.NewDisposeScope();
        var a = nn.functional.normalize(z1, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var b = nn.functional.normalize(z2, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        using Scalar t = temperature, rows = z1.shape[0], half = 0.5;   // held: see Augment/Functional/ScalarCache
        var logits = torch.mm(a, b.t()).div(t);                                     // [N, N]
        var targets = torch.arange(rows, dtype: ScalarType.Int64, device: z1.device);
        var loss = (nn.functional.cross_entropy(logits, targets) + nn.functional.cross_entropy(logits.t(), targets)) * half;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One direction only (MoCo v3, NNCLR): mean over the N anchors of the cross-entropy of their cosine similarities to the M candidates
    /// divided by <paramref name="temperature"/>, with candidate <c>offset + i</c> as the target of anchor i.
    /// </summary>
    /// <param name="anchors">Anchors <c>[N, D]</c> (normalised here).</param>
    /// <param name="candidates">Candidates <c>[M, D]</c> (normalised here), M &gt;= 2.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c>.</param>
    /// <param name="offset">Index of the positive of anchor 0 among the candidates.</param>
    /// <param name="loss">Name of the calling loss, for error messages.</param>
    /// <returns>The scalar loss (0-d tensor), differentiable w.r.t. both inputs.</returns>
    /// <exception cref="ArgumentException">Shapes are not <c>[N, D]</c> / <c>[M, D]</c>, the rows
    /// <c>[offset, offset + N)</c> do not exist, M &lt; 2, or an input is not finite.</exception>
    public static Tensor OneDirection(Tensor anchors, Tensor candidates, double temperature, long offset = 0, string loss = "InfoNCE")
    {
        LossChecks.Temperature(loss, temperature, "MoCo v3 1.0 ResNet / 0.2 ViT, NNCLR 0.1");
        LossChecks.Matrix(loss, "anchors", anchors);
        LossChecks.Matrix(loss, "candidates", candidates);
        long n = anchors.shape[0], m = candidates.shape[0];
        if (candidates.shape[1] != anchors.shape[1])
            throw new ArgumentException(
                $"{loss} needs anchors and candidates of one width but got [{string.Join(", ", anchors.shape)}] and [{string.Join(", ", candidates.shape)}].");
        if (m < 2)
            throw new ArgumentException($"{loss} needs a batch of at least 2 images (a batch of {m} has no negatives). Increase the batch size.");
        if (offset < 0 || offset + n > m)
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"The positives [{offset}, {offset + n}) must lie inside the {m} candidates; pass offset = rank x local batch size.");
        LossChecks.Finite(loss, anchors, candidates);
        using var scope = torch.NewDisposeScope();
        var a = nn.functional.normalize(anchors, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var c = nn.functional.normalize(candidates, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        using Scalar t = temperature, first = offset, end = offset + n;   // held: see Augment/Functional/ScalarCache
        var logits = torch.mm(a, c.t()).div(t);                                             // [N, M]
        var labels = torch.arange(first, end, dtype: ScalarType.Int64, device: anchors.device);
        return nn.functional.cross_entropy(logits, labels).MoveToOuterDisposeScope();
    }
}
