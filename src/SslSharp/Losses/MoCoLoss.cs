using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The MoCo (v1/v2) contrastive loss: each query must pick out its own key among the key and the
/// <c>K</c> negatives of a memory queue, <c>CE([q.k, q.queue] / T, 0)</c>.
/// </summary>
/// <remarks>
/// <para>He, Fan, Wu, Xie, Girshick, "Momentum Contrast for Unsupervised Visual Representation
/// Learning" (CVPR 2020), Algorithm 1; Chen, Fan, Girshick, He, "Improved Baselines with Momentum
/// Contrastive Learning" (MoCo v2, 2020). Reference code: facebookresearch/moco <c>moco/builder.py</c>
/// (<c>MoCo.forward</c>). docs/methods.md#moco-v2.</para>
/// <para>With <c>q = norm(query)</c>, <c>k = norm(key)</c> (row-wise, eps 1e-12), the logits of row i
/// are <c>[q_i . k_i, q_i . queue_1, ..., q_i . queue_K] / T</c> (<c>[N, 1 + K]</c>) and the target is
/// column 0; the loss is the cross-entropy averaged over the N queries. The queue rows are used as
/// stored (the method keeps them L2-normalised), as in the reference. Other keys of the batch are
/// <i>not</i> negatives. The method stops the gradient into the key and the queue; this function is
/// plain math and differentiable w.r.t. every input.</para>
/// </remarks>
public static class MoCoLoss
{
    /// <summary>Row-wise L2 normalisation epsilon (as <c>torch.nn.functional.normalize</c>).</summary>
    public const double NormEps = 1e-12;

    /// <summary>The MoCo loss of queries against their keys and a queue of negatives.</summary>
    /// <param name="queries">Query embeddings <c>[N, D]</c> (normalised here).</param>
    /// <param name="keys">Key embeddings <c>[N, D]</c> (normalised here); row i is the positive of query i.</param>
    /// <param name="queue">Negative keys <c>[K, D]</c>, expected L2-normalised (used as given).</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c> (MoCo v2: 0.2; v1: 0.07).</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    /// <exception cref="ArgumentException">Shapes do not fit, or an input is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not a finite number &gt; 0.</exception>
    public static Tensor Compute(Tensor queries, Tensor keys, Tensor queue, double temperature = 0.2)
    {
        const string name = "The MoCo loss";
        LossChecks.Temperature("MoCo", temperature, "MoCo v2 0.2, MoCo v1 0.07");
        LossChecks.Matrix(name, "queries", queries);
        LossChecks.Matrix(name, "keys", keys);
        LossChecks.Matrix(name, "the queue", queue);
        LossChecks.SameShape(name, "queries", queries, "keys", keys);
        if (queue.shape[1] != queries.shape[1])
            throw new ArgumentException(
                $"{name} needs queue rows as wide as the queries ({queries.shape[1]}) but the queue is [{string.Join(", ", queue.shape)}]. " +
                "Build the queue with the projector's output width.");
        LossChecks.Finite(name, queries, keys, queue);
        using var scope = torch.NewDisposeScope();
        var q = nn.functional.normalize(queries, p: 2, dim: 1, eps: NormEps);
        var k = nn.functional.normalize(keys, p: 2, dim: 1, eps: NormEps);
        var positive = (q * k).sum(1, keepdim: true);                        // [N, 1]
        var negative = torch.mm(q, queue.to_type(q.dtype).t());              // [N, K]
        using Scalar t = temperature;   // held: see Augment/Functional/ScalarCache
        var logits = torch.cat(new[] { positive, negative }, 1).div(t);
        var target = torch.zeros(q.shape[0], dtype: ScalarType.Int64, device: q.device);
        return nn.functional.cross_entropy(logits, target).MoveToOuterDisposeScope();
    }
}
