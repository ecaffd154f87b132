using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// I-JEPA's loss in representation space: smooth-L1 between the predictor's outputs at the target positions and the
/// target encoder's tokens there, layer-normalised over the feature dimension.
/// </summary>
/// <remarks>
/// <para>Assran et al., "Self-Supervised Learning from Images with a Joint-Embedding Predictive Architecture"
/// (CVPR 2023), section 3; reference code facebookresearch/ijepa <c>src/train.py</c>: <c>h = F.layer_norm(h,
/// (h.size(-1),))</c> (no affine parameters, eps 1e-5) on the target encoder's output, gathered at the target
/// blocks, then <c>F.smooth_l1_loss(z, h)</c> with PyTorch's defaults: <c>beta = 1</c> and the mean over every
/// element (all target blocks, images, tokens and features alike; the blocks of a batch have one size, so this is
/// also the mean over blocks of the per-block means). docs/methods.md#i-jepa.</para>
/// <para>Per element, with <c>d = z - sg(LN(h))</c>: <c>0.5 d^2 / beta</c> when <c>|d| &lt; beta</c>, else
/// <c>|d| - 0.5 beta</c>.</para>
/// </remarks>
public static class IJEPALoss
{
    /// <summary>The I-JEPA smooth-L1 loss.</summary>
    /// <param name="predictions">Predictor outputs <c>[..., D]</c> (e.g. <c>[T N, Kt, D]</c>: every target block of every image).</param>
    /// <param name="targets">Target-encoder tokens at the same positions, same shape, before layer norm (it is applied here;
    /// layer norm is per token, so normalising before or after the gather is the same). No gradient flows to them.</param>
    /// <param name="beta">Where smooth-L1 turns from quadratic to linear (<c>&gt; 0</c>; I-JEPA: PyTorch's default 1.0).</param>
    /// <returns>The scalar loss (0-d, differentiable w.r.t. <paramref name="predictions"/>).</returns>
    /// <exception cref="ArgumentException">Shapes disagree, beta is not positive, or (with value checks on) NaN/infinity.</exception>
    public static Tensor Compute(Tensor predictions, Tensor targets, double beta = 1.0)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(targets);
        const string Loss = "The I-JEPA loss";
        if (predictions.dim() < 2 || predictions.numel() == 0)
            throw new ArgumentException($"{Loss} expects predicted tokens [..., D] (e.g. [T N, K, D]) but got [{LossChecks.Shape(predictions)}].", nameof(predictions));
        LossChecks.SameShape(Loss, "predictions", predictions, "targets", targets);
        LossChecks.Positive(nameof(beta), beta, "The smooth-L1 beta");
        LossChecks.Finite(Loss, predictions, targets);
        using var scope = torch.NewDisposeScope();
        var h = NormalizedTargets(targets);
        return nn.functional.smooth_l1_loss(predictions, h, nn.Reduction.Mean, beta).MoveToOuterDisposeScope();
    }

    /// <summary>Layer norm over the last dimension without affine parameters (eps 1e-5), detached: the targets.</summary>
    /// <param name="targets"><c>[..., D]</c>.</param>
    public static Tensor NormalizedTargets(Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        using var noGrad = torch.no_grad();
        using var t = targets.detach();
        return nn.functional.layer_norm(t, new[] { t.shape[^1] }, eps: 1e-5);
    }
}
