using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// MAE's reconstruction loss: the mean squared error per patch between the decoder's prediction and the pixels,
/// averaged over the masked patches only, optionally against per-patch normalised pixels ("norm-pix").
/// </summary>
/// <remarks>
/// <para>He et al., "Masked Autoencoders Are Scalable Vision Learners" (CVPR 2022), section 3; reference code
/// facebookresearch/mae <c>models_mae.py</c> (<c>forward_loss</c>). docs/methods.md#mae.</para>
/// <para>With prediction <c>x</c> and target <c>t</c> (<c>[N, L, P]</c>, <see cref="Patches.Patchify"/> of the
/// images) and mask <c>m</c> (<c>[N, L]</c>, 1 = masked):
/// <c>t' = (t - mean_P(t)) / sqrt(var_P(t) + 1e-6)</c> with norm-pix (the unbiased variance over the
/// <c>P</c> values of each patch, as <c>torch.var</c>), else <c>t' = t</c>;
/// <c>L = sum_{n,l} m[n,l] mean_P((x - t')^2) / sum_{n,l} m[n,l]</c>. The mean runs over all masked patches of the
/// batch together (not per image first); visible patches carry no loss.</para>
/// </remarks>
public static class MAELoss
{
    /// <summary>Added to a patch's variance under norm-pix (facebookresearch/mae: 1e-6).</summary>
    public const double NormPixEps = 1e-6;

    /// <summary>MAE's masked-patch MSE.</summary>
    /// <param name="prediction">Decoder output per patch <c>[N, L, P]</c>, in token order.</param>
    /// <param name="target">Pixel patches <c>[N, L, P]</c> (<see cref="Patches.Patchify"/>); no gradient flows to it.</param>
    /// <param name="mask"><c>[N, L]</c>, 1 (or true) = masked, 0 = visible (<see cref="Modules.Masking.TokenMask.Mask"/>).</param>
    /// <param name="normPixLoss">Normalise each target patch by its mean and variance (MAE's <c>--norm_pix_loss</c>).</param>
    /// <param name="eps">Added to the variance under norm-pix (1e-6).</param>
    /// <returns>The scalar loss (0-d, differentiable w.r.t. <paramref name="prediction"/>).</returns>
    /// <exception cref="ArgumentException">Shapes disagree, norm-pix with one value per patch, or (with value checks on) no
    /// patch is masked or an input holds NaN/infinity.</exception>
    public static Tensor Compute(Tensor prediction, Tensor target, Tensor mask, bool normPixLoss = false, double eps = NormPixEps)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(mask);
        const string Loss = "The MAE loss";
        if (prediction.dim() != 3 || prediction.shape[0] < 1 || prediction.shape[1] < 1 || prediction.shape[2] < 1)
            throw new ArgumentException($"{Loss} expects predictions [N, L, P] but got [{LossChecks.Shape(prediction)}].", nameof(prediction));
        LossChecks.SameShape(Loss, "predictions", prediction, "targets", target);
        if (mask.dim() != 2 || mask.shape[0] != prediction.shape[0] || mask.shape[1] != prediction.shape[1])
            throw new ArgumentException(
                $"{Loss} expects a mask [N, L] = [{prediction.shape[0]}, {prediction.shape[1]}] (1 = masked) but got [{LossChecks.Shape(mask)}].",
                nameof(mask));
        if (normPixLoss && prediction.shape[2] < 2)
            throw new ArgumentException($"{Loss} with norm-pix needs at least 2 values per patch (a variance), but P = {prediction.shape[2]}.");
        LossChecks.NonNegative(nameof(eps), eps, "The norm-pix epsilon");
        LossChecks.Finite(Loss, prediction, target);
        LossChecks.That(() => mask.to_type(ScalarType.Float32).sum().gt(0),
            $"{Loss} got a mask with no masked patch: the loss is a mean over masked patches. Use a mask ratio in (0, 1).", nameof(mask));
        using var scope = torch.NewDisposeScope();
        var t = normPixLoss ? NormalizedTarget(target, eps) : target.detach();
        var perPatch = prediction.sub(t).square().mean(new long[] { -1 });     // [N, L]
        var m = mask.to_type(perPatch.dtype);
        return perPatch.mul(m).sum().div(m.sum()).MoveToOuterDisposeScope();
    }

    /// <summary>Norm-pix targets: every patch minus its mean, divided by <c>sqrt(unbiased variance + eps)</c>, detached.</summary>
    /// <param name="target">Pixel patches <c>[N, L, P]</c>, <c>P &gt;= 2</c>.</param>
    /// <param name="eps">Added to the variance (1e-6).</param>
    /// <returns><c>[N, L, P]</c> without gradient.</returns>
    public static Tensor NormalizedTarget(Tensor target, double eps = NormPixEps)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var t = target.detach();
        var mean = t.mean(new long[] { -1 }, keepdim: true);
        var variance = t.var(-1, unbiased: true, keepdim: true);
        using Scalar epsilon = eps;   // held: see Augment/Functional/ScalarCache
        return t.sub(mean).div(variance.add(epsilon).sqrt()).MoveToOuterDisposeScope();
    }
}
