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
/// InfoNCE of CPC/CLIP form (van den Oord et al. 2018). METHODS.md section 1.</para>
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
        LossInputs.Positive(nameof(temperature), temperature, "The InfoNCE temperature (DirectCLR: 0.1)");
        LossInputs.SamePairShape("InfoNCE", z1, z2);
        LossInputs.MinimumRows("InfoNCE", z1.shape[0], 2, "a batch of 1 has no negatives");
        LossInputs.Finite("InfoNCE", z1, z2);
        using var scope = torch.NewDisposeScope();
        var a = nn.functional.normalize(z1, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var b = nn.functional.normalize(z2, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var logits = torch.mm(a, b.t()).div(temperature);                           // [N, N]
        var targets = torch.arange(z1.shape[0], dtype: ScalarType.Int64, device: z1.device);
        var loss = (nn.functional.cross_entropy(logits, targets) + nn.functional.cross_entropy(logits.t(), targets)) * 0.5;
        return loss.MoveToOuterDisposeScope();
    }
}
