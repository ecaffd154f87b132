using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// InfoNCE over cross-view pairs only: row i of the anchors must pick out candidate <c>offset + i</c>
/// among all candidates, <c>CE(norm(a) norm(c)^T / T, arange(N) + offset)</c>.
/// </summary>
/// <remarks>
/// <para>van den Oord et al., "Representation Learning with Contrastive Predictive Coding" (2018) for
/// InfoNCE. This one-direction form, with no same-view negatives, is the core of MoCo v3 (Chen, Xie,
/// He, ICCV 2021; facebookresearch/moco-v3 <c>builder.py</c> <c>contrastive_loss</c>) and of NNCLR
/// (Dwibedi et al., ICCV 2021, Algorithm 1; solo-learn <c>solo/losses/nnclr.py</c>); see
/// <see cref="MoCoV3Loss"/> and <see cref="NNCLRLoss"/> for their scalings.</para>
/// <para>Multi-process: pass the candidates of all processes (gathered in rank order) and this
/// process's first row as <c>offset</c> (rank x local batch); the label of local anchor i is then
/// <c>offset + i</c>, as in moco-v3's <c>arange(N) + N * rank</c>.</para>
/// </remarks>
public static class CrossViewInfoNCE
{
    /// <summary>Row-wise L2 normalisation epsilon (as <c>torch.nn.functional.normalize</c>).</summary>
    public const double NormEps = 1e-12;

    /// <summary>
    /// Mean over the N anchors of the cross-entropy of their cosine similarities to the M candidates
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
    public static Tensor Compute(Tensor anchors, Tensor candidates, double temperature, long offset = 0, string loss = "InfoNCE")
    {
        ContrastiveChecks.Temperature(loss, temperature, "MoCo v3 1.0 ResNet / 0.2 ViT, NNCLR 0.1");
        ContrastiveChecks.Matrix(loss, "anchors", anchors);
        ContrastiveChecks.Matrix(loss, "candidates", candidates);
        long n = anchors.shape[0], m = candidates.shape[0];
        if (candidates.shape[1] != anchors.shape[1])
            throw new ArgumentException(
                $"{loss} needs anchors and candidates of one width but got [{string.Join(", ", anchors.shape)}] and [{string.Join(", ", candidates.shape)}].");
        if (m < 2)
            throw new ArgumentException($"{loss} needs a batch of at least 2 images (a batch of {m} has no negatives). Increase the batch size.");
        if (offset < 0 || offset + n > m)
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"The positives [{offset}, {offset + n}) must lie inside the {m} candidates; pass offset = rank x local batch size.");
        ContrastiveChecks.Finite(loss, anchors, candidates);
        using var scope = torch.NewDisposeScope();
        var a = nn.functional.normalize(anchors, p: 2, dim: 1, eps: NormEps);
        var c = nn.functional.normalize(candidates, p: 2, dim: 1, eps: NormEps);
        var logits = torch.mm(a, c.t()).div(temperature);                                   // [N, M]
        var labels = torch.arange(offset, offset + n, dtype: ScalarType.Int64, device: anchors.device);
        return nn.functional.cross_entropy(logits, labels).MoveToOuterDisposeScope();
    }
}
