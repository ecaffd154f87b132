using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The MoCo v3 loss: <c>ctr(q1, k2) + ctr(q2, k1)</c> with
/// <c>ctr(q, k) = CE(norm(q) norm(k)^T / T, arange(N)) * 2T</c>; the other images' keys of the batch are
/// the negatives (no queue).
/// </summary>
/// <remarks>
/// <para>Chen, Xie, He, "An Empirical Study of Training Self-Supervised Vision Transformers" (ICCV
/// 2021), Algorithm 1; reference code facebookresearch/moco-v3 <c>moco/builder.py</c>
/// (<c>contrastive_loss</c>, <c>forward</c>). docs/methods.md#moco-v3.</para>
/// <para>The factor 2T is the reference's (it makes the gradient scale independent of T); leaving it
/// out is the pitfall docs/methods.md#moco-v3 warns about. Each direction is <see cref="CrossViewInfoNCELoss.OneDirection"/>.</para>
/// <para>Multi-process (<see cref="Compute(Tensor, Tensor, Tensor, Tensor, long, double)"/>): keys are
/// all-gathered <i>without</i> gradient and the labels are <c>arange(B) + B x rank</c>.</para>
/// </remarks>
public static class MoCoV3Loss
{
    private const string Name = "The MoCo v3 loss";

    /// <summary>One direction: <c>CE(norm(q) norm(k)^T / T, arange(N) + offset) * 2T</c>.</summary>
    /// <param name="queries">Queries <c>[N, D]</c> (predictor outputs of one view).</param>
    /// <param name="keys">Keys <c>[M, D]</c> (momentum-encoder outputs of the other view; M = N with one process).</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c> (moco-v3: 1.0 ResNet, 0.2 ViT).</param>
    /// <param name="offset">Row of query 0's own key in <paramref name="keys"/> (rank x B).</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    public static Tensor Contrast(Tensor queries, Tensor keys, double temperature = 1.0, long offset = 0)
    {
        using var scope = torch.NewDisposeScope();
        var ce = CrossViewInfoNCELoss.OneDirection(queries, keys, temperature, offset, Name);
        using Scalar scale = 2 * temperature;   // held: see Augment/Functional/ScalarCache
        return ce.mul(scale).MoveToOuterDisposeScope();
    }

    /// <summary>The symmetric MoCo v3 loss of one process: <c>ctr(q1, k2) + ctr(q2, k1)</c>.</summary>
    /// <param name="q1">Queries of view 1, <c>[N, D]</c>.</param>
    /// <param name="q2">Queries of view 2, <c>[N, D]</c>.</param>
    /// <param name="k1">Keys of view 1, <c>[N, D]</c>.</param>
    /// <param name="k2">Keys of view 2, <c>[N, D]</c>.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c>.</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    /// <exception cref="ArgumentException">Shapes differ, N &lt; 2, or an input is not finite.</exception>
    public static Tensor Compute(Tensor q1, Tensor q2, Tensor k1, Tensor k2, double temperature = 1.0)
    {
        CheckLocal(q1, q2, k1, k2);
        using var scope = torch.NewDisposeScope();
        return Contrast(q1, k2, temperature).add(Contrast(q2, k1, temperature)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The MoCo v3 loss across processes: this process's queries (<c>[B, D]</c>) against the keys of all
    /// processes (<c>[W x B, D]</c>, gathered without gradient, in rank order); this process's keys start
    /// at row <paramref name="offset"/> = rank x B.
    /// </summary>
    /// <remarks>With one process (<c>k1All = k1</c>, <c>k2All = k2</c>, offset 0) this is
    /// <see cref="Compute(Tensor, Tensor, Tensor, Tensor, double)"/>.</remarks>
    /// <exception cref="ArgumentException">Shapes do not fit or an input is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The offset does not point at B rows of the gathered keys.</exception>
    public static Tensor Compute(Tensor q1, Tensor q2, Tensor k1All, Tensor k2All, long offset, double temperature = 1.0)
    {
        LossChecks.Matrix(Name, "q1", q1);
        LossChecks.SameShape(Name, "q1", q1, "q2", q2);
        LossChecks.Matrix(Name, "the gathered k1", k1All);
        LossChecks.SameShape(Name, "the gathered k1", k1All, "the gathered k2", k2All);
        using var scope = torch.NewDisposeScope();
        return Contrast(q1, k2All, temperature, offset).add(Contrast(q2, k1All, temperature, offset)).MoveToOuterDisposeScope();
    }

    private static void CheckLocal(Tensor q1, Tensor q2, Tensor k1, Tensor k2)
    {
        LossChecks.Matrix(Name, "q1", q1);
        LossChecks.SameShape(Name, "q1", q1, "q2", q2);
        LossChecks.SameShape(Name, "q1", q1, "k1", k1);
        LossChecks.SameShape(Name, "q1", q1, "k2", k2);
    }
}
