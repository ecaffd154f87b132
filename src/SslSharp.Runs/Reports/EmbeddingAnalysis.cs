using SslSharp.Augment;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Evaluation;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Runs.Reports;

/// <summary>
/// Representations and a 2-D PCA of a method's representations on a fixed set of held-out images:
/// backbone features (<see cref="SslMethod.Encoder"/>) and the embeddings its loss sees
/// (<see cref="StepOutput.Embeddings"/>, e.g. the projector output).
/// </summary>
/// <remarks>
/// <para>The spectrum is <see cref="SslSharp.Evaluation.Spectral.SpectralMetrics.SingularValues"/> (uncentred
/// <c>Z</c> <c>[N, D]</c>), the same function the run's diagnostics write to <c>spectrum_*.csv</c>, so a
/// computed spectrum and a logged one are comparable.</para>
/// <para>The PCA projection is <c>U[:, :2] S[:2]</c> of the SVD of the centred <c>Z - mean(Z)</c>, with signs fixed so that the
/// largest loading of each component is positive (scikit-learn's <c>svd_flip</c>), so the picture
/// does not flip between runs.</para>
/// <para>Embeddings are obtained by a forward pass of the method on two identical copies of each
/// normalised image (eval mode, no gradient), the only way every method exposes them; the
/// checkpoint copy of the method is used, so the method's own state changes do not matter.</para>
/// </remarks>
public static class EmbeddingAnalysis
{
    /// <summary>Backbone features <c>[N, D]</c> (float32, CPU) of <paramref name="images"/>, normalised with <paramref name="normalize"/>.</summary>
    public static Tensor Features(SslMethod method, Tensor images, IBatchTransform normalize, Device device, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(method);
        return FeatureExtractor.Extract(method.Encoder, images, normalize, batchSize, device);
    }

    /// <summary>
    /// The method's embeddings <c>[N, E]</c> (float32, CPU), or null when its forward pass returns none.
    /// </summary>
    /// <exception cref="ArgumentException">The method cannot run on two plain views (e.g. it needs local crops).</exception>
    public static Tensor? Embeddings(SslMethod method, Tensor images, IBatchTransform normalize, Device device, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(normalize);
        var modes = FeatureExtractor.RecordModes(method);
        method.eval();
        try
        {
            using var noGrad = no_grad();
            using var generator = new Generator(0);
            Tensor? result = null;
            long n = images.shape[0];
            // The smallest batch a method accepts (BatchNorm in eval mode needs no more).
            int step = Math.Max(batchSize, method.MinimumBatchSize);
            for (long start = 0; start < n; start += step)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(step, n - start);
                long from = count < method.MinimumBatchSize ? Math.Max(0, n - method.MinimumBatchSize) : start;
                long take = count < method.MinimumBatchSize ? n - from : count;
                var batch = images.narrow(0, from, take).to(device);
                batch = batch.dtype == ScalarType.Byte ? batch.to(ScalarType.Float32).div_(255) : batch.to(ScalarType.Float32);
                var x = normalize.Apply(batch, generator);
                using var views = new ViewBatch(Enumerable.Repeat(x, Math.Max(2, method.MinimumViews)).Select(v => v.alias()).ToArray());
                var output = method.call(views);
                if (output.Embeddings is null) return null;
                var z = output.Embeddings.to(ScalarType.Float32).cpu().narrow(0, take - count, count);
                if (result is null) result = empty(n, z.shape[1], ScalarType.Float32).MoveToOuterDisposeScope();
                result.narrow(0, start, count).copy_(z.flatten(1));
            }
            return result;
        }
        finally
        {
            FeatureExtractor.RestoreModes(method, modes);
        }
    }

    /// <summary>
    /// The first two principal components of <paramref name="z"/> <c>[N, D]</c>: coordinates per row
    /// and the fraction of the total variance each explains.
    /// </summary>
    public static (double[] X, double[] Y, double ExplainedX, double ExplainedY) Pca2(Tensor z)
    {
        CheckMatrix(z);
        if (z.shape[1] < 2) throw new ArgumentException($"PCA to 2-D needs at least 2 feature columns, got {z.shape[1]}.", nameof(z));
        using var scope = NewDisposeScope();
        var centred = z.to(ScalarType.Float64).sub(z.to(ScalarType.Float64).mean(new long[] { 0 }, keepdim: true));
        var (u, s, vh) = linalg.svd(centred, fullMatrices: false);
        var coords = u.narrow(1, 0, 2).mul(s.narrow(0, 0, 2));                 // [N, 2]
        // svd_flip: make the largest-magnitude loading of each component positive.
        var top = vh.narrow(0, 0, 2);                                          // [2, D]
        var signs = top.gather(1, top.abs().argmax(1, keepdim: true)).sign();  // [2, 1]
        signs = where(signs.eq(0), ones_like(signs), signs);
        coords = coords.mul(signs.view(1, 2));
        var variance = s.square();
        double total = variance.sum().item<double>();
        var xs = coords.select(1, 0).contiguous().data<double>().ToArray();
        var ys = coords.select(1, 1).contiguous().data<double>().ToArray();
        double ex = total > 0 ? variance[0].item<double>() / total : 0, ey = total > 0 ? variance[1].item<double>() / total : 0;
        return (xs, ys, ex, ey);
    }

    private static void CheckMatrix(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.dim() != 2 || z.shape[0] < 2)
            throw new ArgumentException($"Expected a matrix [N, D] with N >= 2 rows but got [{string.Join(", ", z.shape)}].", nameof(z));
    }
}
