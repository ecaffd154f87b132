using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// BYOL's regression loss: the online prediction of one view must match the (stopped) target
/// projection of the other view, <c>||norm(p) - norm(sg(z))||^2 = 2 - 2 cos(p, z)</c>, symmetrised.
/// </summary>
/// <remarks>
/// <para>Grill et al., "Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning"
/// (NeurIPS 2020), eq. 2 and the symmetrised <c>L + L~</c>; reference code deepmind-research
/// <c>byol/byol_experiment.py</c> (<c>regression_loss</c>, summed over the two directions) and
/// solo-learn <c>solo/losses/byol.py</c>. docs/methods.md#byol.</para>
/// <para>Each direction is averaged over the batch; the two directions are <b>summed</b> (the paper and
/// deepmind's code), so the loss lies in [0, 8] and starts near 4 for unrelated embeddings. lightly's
/// example averages instead (half this value minus a constant); the gradient direction is the same.</para>
/// <para>The targets are detached inside the loss (the stop-gradient is part of the formula), so it is
/// safe to pass tensors that require grad.</para>
/// </remarks>
public static class BYOLLoss
{
    /// <summary>
    /// <c>mean_i(2 - 2 cos(p1_i, sg(z2_i))) + mean_i(2 - 2 cos(p2_i, sg(z1_i)))</c>.
    /// </summary>
    /// <param name="p1">Online predictions of view 1, <c>[N, D]</c>.</param>
    /// <param name="p2">Online predictions of view 2, <c>[N, D]</c>.</param>
    /// <param name="z1">Target projections of view 1, <c>[N, D]</c> (no gradient flows into them).</param>
    /// <param name="z2">Target projections of view 2, <c>[N, D]</c> (no gradient flows into them).</param>
    /// <returns>The scalar loss (0-d tensor, differentiable w.r.t. <paramref name="p1"/> and <paramref name="p2"/>).</returns>
    /// <exception cref="ArgumentException">The shapes differ or are not 2-D, or an input holds NaN/infinity.</exception>
    public static Tensor Compute(Tensor p1, Tensor p2, Tensor z1, Tensor z2)
    {
        LossChecks.PredictionPair("The BYOL loss", p1, p2, z1, z2);
        using var scope = torch.NewDisposeScope();
        using Scalar one = 1.0;
        return Regression(p1, z2).add(Regression(p2, z1), one).MoveToOuterDisposeScope();
    }

    /// <summary>One direction: <c>mean_i(2 - 2 cos(p_i, sg(z_i)))</c> over the rows of <c>[N, D]</c> inputs.</summary>
    /// <param name="p">Predictions <c>[N, D]</c>.</param>
    /// <param name="z">Targets <c>[N, D]</c> (detached here).</param>
    public static Tensor Regression(Tensor p, Tensor z)
    {
        LossChecks.PredictionPair("The BYOL loss", p, p, z, z);
        using var scope = torch.NewDisposeScope();
        using Scalar two = 2.0, minusTwo = -2.0;
        // 2 - 2 cos, averaged over the rows; explicit scalars (no finalizer-owned temporaries).
        return PairDistance.RowCosine(p, z.detach()).mean().mul(minusTwo).add(two).MoveToOuterDisposeScope();
    }
}
