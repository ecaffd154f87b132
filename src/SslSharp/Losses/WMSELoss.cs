using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The whitening MSE loss (W-MSE): whiten each view's embeddings within sub-batches (Cholesky
/// whitening, so every sub-batch has identity covariance and cannot collapse), then pull the whitened,
/// L2-normalised views of one image together with <c>2 - 2 cos</c>.
/// </summary>
/// <remarks>
/// <para>Ermolov, Siarohin, Sangineto, Sebe, "Whitening for Self-Supervised Representation Learning"
/// (ICML 2021); reference code htdt/self-supervised <c>methods/w_mse.py</c>,
/// <c>methods/whitening.py</c> (<c>Whitening2d</c>) and <c>methods/norm_mse.py</c>; solo-learn
/// <c>solo/losses/wmse.py</c>. docs/methods.md#w-mse (decision: the official form, gradient flows through
/// the whitening of both views, no stop-gradient).</para>
/// <para>For a permutation of the N images cut into consecutive sub-batches of w rows, and for each
/// view separately: centre <c>x</c> (<c>[w, D]</c>), <c>Sigma = x^T x / (w - 1)</c>, shrink
/// <c>(1 - eps) Sigma + eps I</c> (official <c>w_eps</c>, default 0), <c>Sigma = L L^T</c> (Cholesky),
/// <c>z = x L^{-T}</c> (row-wise <c>L^{-1} x_i</c>). The loss is the mean over view pairs
/// <c>i &lt; j</c> of <c>2 - 2 mean_n cos(z_i[n], z_j[n])</c>.</para>
/// <para>The covariance of w rows has rank at most w - 1, so <c>w &gt; D</c> is required; the paper uses
/// <c>w = 2D</c> (CIFAR: D 64, w 128) for a well-conditioned estimate.</para>
/// </remarks>
public static class WMSELoss
{
    /// <summary>Whitens one sub-batch: centred rows times the inverse Cholesky factor of their covariance.</summary>
    /// <param name="x">Embeddings <c>[w, D]</c> with <c>w &gt; D</c>.</param>
    /// <param name="eps">Shrinkage towards the identity, <c>0 &lt;= eps &lt; 1</c> (official default 0).</param>
    /// <returns>Whitened rows <c>[w, D]</c> whose covariance is the identity (for eps 0); differentiable.</returns>
    /// <exception cref="ArgumentException">The sub-batch has no more rows than dimensions, or the
    /// covariance is not positive definite (collapsed or linearly dependent embeddings).</exception>
    public static Tensor Whiten(Tensor x, double eps = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 2)
            throw new ArgumentException($"W-MSE whitening expects embeddings [w, D] but got [{LossChecks.Shape(x)}].", nameof(x));
        CheckEps(eps);
        long w = x.shape[0], d = x.shape[1];
        if (w <= d)
            throw new ArgumentException(
                $"W-MSE whitens sub-batches of {w} rows but the embeddings have {d} dimensions: the covariance of {w} rows " +
                $"has rank at most {w - 1} < {d}, so it cannot be whitened. Use a whitening sub-batch larger than the " +
                $"embedding dimension (the paper uses w = 2D, e.g. D 64 with w 128): raise whitening_size (and the batch " +
                "size, a multiple of it) or lower output_dim.", nameof(x));
        using var scope = torch.NewDisposeScope();
        var centred = x - x.mean(new long[] { 0 }, keepdim: true);
        var eye = torch.eye(d, dtype: x.dtype, device: x.device);
        using Scalar wMinusOne = w - 1, keep = 1 - eps, shrink = eps, zero = 0, nan = double.NaN;   // held: see Augment/Functional/ScalarCache
        var cov = torch.mm(centred.t(), centred).div(wMinusOne);
        if (eps > 0) cov = cov * keep + eye * shrink;
        var (lower, info) = torch.linalg.cholesky_ex(cov);
        LossChecks.That(() => info.eq(0),
            $"W-MSE: the covariance of a whitening sub-batch ({w} rows, {d} dimensions) is not positive definite " +
            "(the embeddings have collapsed or are linearly dependent). Use a larger whitening_size, set " +
            "whitening_eps > 0 (shrinkage towards the identity), or lower the learning rate.", nameof(x));
        // Without the (host-syncing) check, a failed factorisation makes the whitening NaN, so the loss is
        // non-finite and the Trainer stops (NonFiniteLossException) instead of training on a partial factor.
        var inverse = torch.linalg.solve_triangular(lower, eye, upper: false).masked_fill(info.ne(zero), nan);   // L^{-1}, [D, D]
        return torch.mm(centred, inverse.t()).MoveToOuterDisposeScope();
    }

    /// <summary>W-MSE of two or more views.</summary>
    /// <param name="views">Embeddings of each view, each <c>[N, D]</c>; row n of every view is image n.</param>
    /// <param name="subBatchSize">Whitening sub-batch size <c>w</c>: <c>w &gt; D</c> and N a multiple of w
    /// (official CIFAR: 128).</param>
    /// <param name="permutation">Order of the images before cutting into sub-batches, <c>[N]</c> int64
    /// (the official code draws <c>randperm(N)</c> each step); null: <c>0..N-1</c>.</param>
    /// <param name="eps">Covariance shrinkage (official default 0).</param>
    /// <returns>The scalar loss (0-d tensor), differentiable through the whitening.</returns>
    /// <exception cref="ArgumentException">Fewer than 2 views, views of different shapes, N not a
    /// multiple of w, w &lt;= D, a bad permutation or non-finite input.</exception>
    public static Tensor Compute(IReadOnlyList<Tensor> views, int subBatchSize, Tensor? permutation = null, double eps = 0)
    {
        ArgumentNullException.ThrowIfNull(views);
        if (views.Count < 2)
            throw new ArgumentException($"W-MSE needs at least 2 views per image but got {views.Count}.", nameof(views));
        for (int i = 1; i < views.Count; i++)
            LossChecks.SamePairShape("W-MSE", views[0], views[i], "row n of every view must be image n");
        LossChecks.Finite("W-MSE", views.ToArray());
        CheckEps(eps);
        long n = views[0].shape[0], d = views[0].shape[1];
        if (subBatchSize <= d)
            throw new ArgumentException(
                $"W-MSE's whitening sub-batch ({subBatchSize}) must be larger than the embedding dimension ({d}) so that the " +
                "covariance has full rank; the paper uses w = 2D (D 64, w 128). Raise whitening_size or lower output_dim.",
                nameof(subBatchSize));
        if (n < subBatchSize || n % subBatchSize != 0)
            throw new ArgumentException(
                $"W-MSE cuts the batch of {n} images into whitening sub-batches of {subBatchSize}, so the batch size must be " +
                $"a positive multiple of {subBatchSize}. Set the batch size to k x {subBatchSize} or whitening_size to a divisor " +
                $"of {n} that is larger than {d}.", nameof(views));
        using var scope = torch.NewDisposeScope();
        using Scalar rows = n;   // held: see Augment/Functional/ScalarCache
        var order = permutation ?? torch.arange(rows, dtype: ScalarType.Int64, device: views[0].device);
        string notPermutation = $"The W-MSE permutation must be a permutation of 0..{n - 1} ([{n}] int64).";
        if (order.dim() != 1 || order.shape[0] != n)
            throw new ArgumentException(notPermutation, nameof(permutation));
        LossChecks.That(() => order.sort().Values.equal(torch.arange(n, dtype: order.dtype, device: order.device)), notPermutation, nameof(permutation));

        // Whitened views, rows in permuted order (the loss is a mean over rows, so the order does not matter
        // as long as all views share it).
        var whitened = views.Select(v =>
        {
            var chunks = new List<Tensor>();
            for (long start = 0; start < n; start += subBatchSize)
                chunks.Add(Whiten(v.index_select(0, order.narrow(0, start, subBatchSize)), eps));
            return torch.cat(chunks, 0);
        }).ToArray();
        Tensor? total = null;
        int pairs = 0;
        for (int i = 0; i < whitened.Length - 1; i++)
            for (int j = i + 1; j < whitened.Length; j++)
            {
                var term = NormalizedMse(whitened[i], whitened[j]);
                total = total is null ? term : total + term;
                pairs++;
            }
        using Scalar count = pairs;   // held: see Augment/Functional/ScalarCache
        return total!.div(count).MoveToOuterDisposeScope();
    }

    /// <summary><c>2 - 2 mean_n cos(x0[n], x1[n])</c>: the MSE of L2-normalised rows (official <c>norm_mse_loss</c>).</summary>
    /// <param name="x0">Embeddings <c>[N, D]</c>.</param>
    /// <param name="x1">Embeddings <c>[N, D]</c>.</param>
    /// <returns>The scalar loss in [0, 4].</returns>
    public static Tensor NormalizedMse(Tensor x0, Tensor x1)
    {
        using var scope = torch.NewDisposeScope();
        var a = nn.functional.normalize(x0, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var b = nn.functional.normalize(x1, p: 2, dim: 1, eps: NTXentLoss.NormEps);
        using Scalar two = 2.0;   // held: see Augment/Functional/ScalarCache
        return (two - (a * b).sum(1).mean() * two).MoveToOuterDisposeScope();
    }

    private static void CheckEps(double eps)
    {
        if (!(eps >= 0) || !(eps < 1))
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "The W-MSE whitening shrinkage eps must be in [0, 1) (official default 0).");
    }
}
