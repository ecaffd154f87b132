using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules;

/// <summary>
/// The Sinkhorn-Knopp step of SwAV: turns prototype scores <c>[B, K]</c> into soft cluster assignments
/// (codes) that spread the batch equally over the <c>K</c> prototypes.
/// </summary>
/// <remarks>
/// <para>Caron et al., "Unsupervised Learning of Visual Features by Contrasting Cluster Assignments"
/// (SwAV, NeurIPS 2020), section 3.1 and appendix A.1; Cuturi, "Sinkhorn Distances" (NeurIPS 2013).
/// Reference code: facebookresearch/swav <c>main_swav.py</c> (<c>distributed_sinkhorn</c>).
/// docs/methods.md#swav.</para>
/// <para>With <c>Q = exp(scores / eps)^T</c> (<c>[K, B]</c>) divided by its total, each iteration
/// divides every row (prototype) by its sum and by <c>K</c>, then every column (sample) by its sum and by
/// <c>B</c>. The result times <c>B</c>, transposed, is returned: every row (sample) sums to 1 exactly,
/// and every column (prototype) sums to about <c>B / K</c> (exactly in the limit of many iterations).</para>
/// <para>The scores' maximum is subtracted before the exponential; since the first step divides by the
/// total, this changes nothing mathematically and keeps <c>exp</c> from overflowing when the scores are
/// offset. The spread of the scores must stay moderate (cosine scores in [-1, 1] with eps 0.05 give
/// exponents down to -40): a prototype whose every score underflows to 0 makes its row sum 0.
/// Several processes (the <see cref="IProcessGroup"/> overload): every process holds some of the columns (samples); the
/// maximum, the total and the per-prototype row sums are all-reduced and <c>B</c> is the global column count, while
/// the per-sample column sums stay local (facebookresearch/swav <c>distributed_sinkhorn</c>), so each process gets
/// its columns of the codes one process computes from all columns.</para>
/// <para>A pure function without gradient: the codes are targets (SwAV swaps them between views).</para>
/// </remarks>
public static class Sinkhorn
{
    /// <summary>SwAV's default entropy regularisation <c>eps</c>.</summary>
    public const double DefaultEpsilon = 0.05;

    /// <summary>SwAV's default number of Sinkhorn-Knopp iterations.</summary>
    public const int DefaultIterations = 3;

    /// <summary>Computes the codes <c>[B, K]</c> of prototype scores <c>[B, K]</c>, without gradient.</summary>
    /// <param name="scores">Scores <c>[B, K]</c> (cosine similarities of normalised embeddings and prototypes);
    /// float32 or float64 (half precision is computed in float32).</param>
    /// <param name="epsilon">Entropy regularisation <c>eps &gt; 0</c> (SwAV: 0.05).</param>
    /// <param name="iterations">Sinkhorn-Knopp iterations (SwAV: 3).</param>
    /// <returns>Codes <c>[B, K]</c> in the scores' float dtype (float32 for half inputs), rows summing to 1,
    /// not requiring grad.</returns>
    /// <exception cref="ArgumentException">The scores are not a non-empty 2-D floating-point tensor, or hold NaN/infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> or <paramref name="iterations"/> is invalid.</exception>
    public static Tensor Compute(Tensor scores, double epsilon = DefaultEpsilon, int iterations = DefaultIterations) =>
        Compute(scores, null, epsilon, iterations);

    /// <summary>
    /// The codes <c>[B, K]</c> of this process's prototype scores <c>[B, K]</c> when the samples of one Sinkhorn problem
    /// are spread over the processes of <paramref name="group"/> (every process calls this with the same <c>B</c> and
    /// <c>K</c>); null or one process: <see cref="Compute(Tensor, double, int)"/>.
    /// </summary>
    /// <param name="scores">This process's scores <c>[B, K]</c>.</param>
    /// <param name="group">The processes sharing the problem, or null.</param>
    /// <param name="epsilon">Entropy regularisation <c>eps &gt; 0</c> (SwAV: 0.05).</param>
    /// <param name="iterations">Sinkhorn-Knopp iterations (SwAV: 3).</param>
    public static Tensor Compute(Tensor scores, IProcessGroup? group, double epsilon = DefaultEpsilon, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The Sinkhorn epsilon must be a finite number > 0 (SwAV: 0.05).");
        if (iterations < 1)
            throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "Sinkhorn needs at least 1 iteration (SwAV: 3).");
        if (scores.dim() != 2 || scores.shape[0] < 1 || scores.shape[1] < 1 || !scores.is_floating_point())
            throw new ArgumentException(
                $"Sinkhorn expects floating-point scores [B, K] with B, K >= 1 but got {scores.dtype} [{string.Join(", ", scores.shape)}].", nameof(scores));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var s = scores.detach();
        if (s.dtype != ScalarType.Float64) s = s.to_type(ScalarType.Float32);
        if (!s.isfinite().all().item<bool>())
            throw new ArgumentException(
                "Sinkhorn got NaN or infinite scores: training has diverged (keep SwAV in fp32, normalise the embeddings " +
                "and prototypes, lower the learning rate).", nameof(scores));
        int world = group?.WorldSize ?? 1;
        long b = s.shape[0] * world, k = s.shape[1];   // b: the global number of samples
        using Scalar invEps = 1.0 / epsilon, bs = b, ks = k;
        var max = s.max();
        if (world > 1) group!.AllReduceMax(max);
        var q = s.add(max, MinusOne).mul_(invEps).exp_().t();   // [K, B]
        q = q.div(Sum(q.sum(), group));
        for (int it = 0; it < iterations; it++)
        {
            q.div_(Sum(q.sum(1, keepdim: true), group)).div_(ks);   // every prototype gets mass 1/K
            q.div_(q.sum(0, keepdim: true)).div_(bs);                // every sample gets mass 1/B
        }
        return q.mul_(bs).t().contiguous().MoveToOuterDisposeScope();
    }

    private static readonly Scalar MinusOne = -1.0;

    /// <summary><paramref name="local"/> summed over the processes (in place), or itself with one process.</summary>
    private static Tensor Sum(Tensor local, IProcessGroup? group)
    {
        if (group is { WorldSize: > 1 }) group.AllReduceSum(local);
        return local;
    }
}
