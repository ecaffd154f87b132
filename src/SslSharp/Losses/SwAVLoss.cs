using SslSharp.Core;
using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The SwAV "swapped prediction" loss: the Sinkhorn codes of each global crop are predicted from the
/// prototype scores of every other crop.
/// </summary>
/// <remarks>
/// <para>Caron et al., "Unsupervised Learning of Visual Features by Contrasting Cluster Assignments"
/// (SwAV, NeurIPS 2020), eqs. 2-3; reference code facebookresearch/swav <c>main_swav.py</c>
/// (<c>train</c>, the loss loop over <c>crops_for_assign</c>). docs/methods.md#swav.</para>
/// <para>Inputs are the scores <c>s_v = norm(z_v) C^T</c> (<c>[B, K]</c>) of every crop <c>v</c> against
/// the L2-normalised prototypes <c>C</c>, the global crops first. For each of the first
/// <c>assignedCrops</c> crops <c>i</c>: <c>q_i = Sinkhorn(sg(s_i))</c> (with the queue's scores
/// <c>[Q, K]</c> prepended when given, keeping the last <c>B</c> rows), and
/// <c>subloss_i = mean_{v != i} mean_rows(-sum_k q_i log softmax(s_v / T))</c>. The loss is the mean of the
/// sublosses. The codes carry no gradient.</para>
/// </remarks>
public static class SwAVLoss
{
    /// <summary>SwAV's softmax temperature.</summary>
    public const double DefaultTemperature = 0.1;

    /// <summary>The swapped-prediction loss of all crops' prototype scores.</summary>
    /// <param name="scores">Per crop, scores <c>[B, K]</c> against the normalised prototypes; global crops first.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c> (SwAV: 0.1).</param>
    /// <param name="epsilon">Sinkhorn entropy regularisation (SwAV: 0.05).</param>
    /// <param name="sinkhornIterations">Sinkhorn-Knopp iterations (SwAV: 3).</param>
    /// <param name="assignedCrops">How many leading crops get codes (SwAV: the 2 global crops, <c>crops_for_assign</c>).</param>
    /// <param name="queueScores">Null (no queue), or per assigned crop the scores <c>[Q, K]</c> of its queued
    /// embeddings (or null for a crop without queue); used only for the codes, no gradient.</param>
    /// <param name="group">Several processes: this process holds <c>B</c> of the samples (and its share of the queue) and
    /// the codes come from one Sinkhorn problem over all processes' samples (<see cref="Sinkhorn.Compute(Tensor, IProcessGroup?, double, int)"/>);
    /// the loss is this process's mean. Null: one process.</param>
    /// <returns>The scalar loss (0-d tensor, differentiable w.r.t. the scores).</returns>
    /// <exception cref="ArgumentException">Fewer than 2 crops, shapes that differ, a bad crop count, or NaN/infinite scores.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature, epsilon or iteration count is invalid.</exception>
    public static Tensor Compute(IReadOnlyList<Tensor> scores, double temperature = DefaultTemperature,
        double epsilon = Sinkhorn.DefaultEpsilon, int sinkhornIterations = Sinkhorn.DefaultIterations, int assignedCrops = 2,
        IReadOnlyList<Tensor?>? queueScores = null, IProcessGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!(temperature > 0) || double.IsInfinity(temperature))
            LossChecks.Temperature("SwAV", temperature, "SwAV: 0.1");
        if (scores.Count < 2)
            throw new ArgumentException($"SwAV needs the scores of at least 2 crops but got {scores.Count}.", nameof(scores));
        if (assignedCrops < 1 || assignedCrops > scores.Count)
            throw new ArgumentOutOfRangeException(nameof(assignedCrops), assignedCrops,
                $"SwAV computes codes for 1 to {scores.Count} crops (the global crops, usually 2).");
        var shape = scores[0].shape;
        for (int v = 0; v < scores.Count; v++)
            if (scores[v].dim() != 2 || !scores[v].shape.SequenceEqual(shape))
                throw new ArgumentException(
                    $"SwAV needs scores [B, K] of one shape for every crop, but crop 0 is [{string.Join(", ", shape)}] and crop {v} is " +
                    $"[{string.Join(", ", scores[v].shape)}].", nameof(scores));
        if (queueScores is not null)
        {
            if (queueScores.Count != assignedCrops)
                throw new ArgumentException($"SwAV got queue scores for {queueScores.Count} crops but assigns codes to {assignedCrops}.", nameof(queueScores));
            foreach (var q in queueScores)
                if (q is not null && (q.dim() != 2 || q.shape[1] != shape[1]))
                    throw new ArgumentException(
                        $"SwAV queue scores must be [Q, {shape[1]}] but got [{string.Join(", ", q.shape)}].", nameof(queueScores));
        }

        using var scope = torch.NewDisposeScope();
        long b = shape[0];
        using Scalar invT = 1.0 / temperature, others = scores.Count - 1, assigned = assignedCrops;
        var logProbs = scores.Select(s => nn.functional.log_softmax(s.mul(invT), 1)).ToArray();   // [B, K] each
        Tensor? total = null;
        for (int i = 0; i < assignedCrops; i++)
        {
            var q = Codes(scores[i], queueScores?[i], epsilon, sinkhornIterations, b, group);
            Tensor? sub = null;
            for (int v = 0; v < scores.Count; v++)
            {
                if (v == i) continue;
                var term = q.mul(logProbs[v]).sum(1).mean().neg();
                sub = sub is null ? term : sub.add_(term, One);
            }
            sub!.div_(others);
            total = total is null ? sub : total.add_(sub, One);
        }
        return total!.div_(assigned).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The codes <c>[B, K]</c> of one crop: Sinkhorn of its detached scores, with the queue's scores
    /// prepended when given, last <paramref name="batch"/> rows.
    /// </summary>
    private static Tensor Codes(Tensor scores, Tensor? queue, double epsilon, int iterations, long batch, IProcessGroup? group)
    {
        var s = scores.detach();
        if (queue is not null) s = torch.cat(new[] { queue.detach().to_type(s.dtype), s }, 0);
        var q = Sinkhorn.Compute(s, group, epsilon, iterations);
        return q.narrow(0, q.shape[0] - batch, batch).to_type(scores.dtype);
    }

    private static readonly Scalar One = 1.0;
}
