using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Spectral;

/// <summary>
/// Alignment (positive pairs map close together) and uniformity (embeddings spread over the sphere)
/// of L2-normalised embeddings.
/// </summary>
/// <remarks>
/// Wang &amp; Isola, "Understanding Contrastive Representation Learning through Alignment and Uniformity
/// on the Hypersphere" (ICML 2020); reference code SsnL/align_uniform (<c>align_loss</c>,
/// <c>uniform_loss</c>). Both are losses: lower is better. Complete collapse gives alignment 0 and
/// uniformity 0 (its maximum); uniformly spread embeddings in high dimension approach
/// <c>-2t</c> = -4. Computed in float64.
/// </remarks>
public static class AlignmentUniformity
{
    /// <summary>Rows per block of the pairwise uniformity sum (memory <c>[B, N]</c> per block).</summary>
    private const int BlockRows = 1024;

    /// <summary>Alignment <c>E_i ||x_i - y_i||_2^alpha</c> of L2-normalised positive pairs.</summary>
    /// <param name="x">Embeddings of the first views <c>[N, D]</c>.</param>
    /// <param name="y">Embeddings of the second views <c>[N, D]</c> (row i is the positive of row i of <paramref name="x"/>).</param>
    /// <param name="alpha">Exponent (the paper's default 2).</param>
    public static double Alignment(Tensor x, Tensor y, double alpha = 2)
    {
        SpectralMetrics.CheckMatrix(x, nameof(x));
        SpectralMetrics.CheckMatrix(y, nameof(y));
        if (!x.shape.SequenceEqual(y.shape))
            throw new ArgumentException(
                $"x and y must have one shape (row i of y is the positive of row i of x) but are [{string.Join(", ", x.shape)}] and [{string.Join(", ", y.shape)}].", nameof(y));
        if (!(alpha > 0)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be > 0 (the paper uses 2).");
        using var scope = NewDisposeScope();
        var a = nn.functional.normalize(x.detach().to(ScalarType.Float64), dim: 1);
        var b = nn.functional.normalize(y.detach().to(ScalarType.Float64), dim: 1);
        return (a - b).norm(1).pow(alpha).mean().item<double>();
    }

    /// <summary>
    /// Uniformity <c>log E_{i &lt; j} exp(-t ||x_i - x_j||_2^2)</c> of the L2-normalised rows, over all
    /// <c>N (N - 1) / 2</c> distinct pairs.
    /// </summary>
    /// <param name="x">Embeddings <c>[N, D]</c>, <c>N &gt;= 2</c>.</param>
    /// <param name="t">Temperature (the paper's default 2).</param>
    public static double Uniformity(Tensor x, double t = 2)
    {
        SpectralMetrics.CheckMatrix(x, nameof(x));
        if (!(t > 0)) throw new ArgumentOutOfRangeException(nameof(t), t, "t must be > 0 (the paper uses 2).");
        using var scope = NewDisposeScope();
        var z = nn.functional.normalize(x.detach().to(ScalarType.Float64), dim: 1);
        long n = z.shape[0];
        var sqNorms = z.pow(2).sum(1);                 // [N], 1 except for zero rows
        double total = 0;                              // sum over ordered pairs i != j
        for (long start = 0; start < n; start += BlockRows)
        {
            using var inner = NewDisposeScope();
            long count = Math.Min(BlockRows, n - start);
            var rows = z.narrow(0, start, count);      // [B, D]
            var d2 = sqNorms.narrow(0, start, count).unsqueeze(1) + sqNorms.unsqueeze(0) - 2 * rows.matmul(z.t());
            var k = d2.clamp_min(0).mul(-t).exp();     // [B, N]
            var diagonal = arange(start, start + count, dtype: ScalarType.Int64, device: z.device).unsqueeze(1);
            k.scatter_(1, diagonal, zeros(count, 1, dtype: ScalarType.Float64, device: z.device));
            total += k.sum().item<double>();
        }
        return Math.Log(total / (n * (double)(n - 1)));
    }
}
