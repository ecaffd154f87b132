using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules;

/// <summary>
/// PCA whitening fitted on a set of feature vectors: <c>y = (x - mean) W^T</c> with the rows of
/// <c>W [d, D]</c> the <c>d</c> leading eigenvectors of the covariance, each scaled by
/// <c>(lambda_i + epsilon * lambda_1)^(-1/2)</c>, so the outputs are decorrelated with unit variance.
/// </summary>
/// <remarks>
/// <para>DeepCluster (Caron et al., "Deep Clustering for Unsupervised Learning of Visual Features", ECCV
/// 2018; facebookresearch/deepcluster <c>clustering.py</c>, <c>preprocess_features</c>) reduces the
/// features to 256 dimensions with faiss' <c>PCAMatrix(D, 256, eigen_power=-0.5)</c> and L2-normalises
/// them before k-means. faiss scales by <c>lambda^(-1/2)</c> of the un-normalised scatter matrix; here the
/// covariance is divided by <c>N</c>, which changes every output by one common factor and nothing after the
/// L2 normalisation.</para>
/// <para>The fit runs in float64 (two passes over row chunks: the mean, then the centred scatter
/// matrix) and <c>torch.linalg.eigh</c>. Each eigenvector's sign is fixed so that its entry of largest
/// magnitude is positive, which makes the output independent of the LAPACK build. The small
/// <c>epsilon</c> (relative to the largest eigenvalue) keeps directions without variance (dead ReLU
/// units, fewer samples than dimensions) from being blown up; faiss has none.</para>
/// </remarks>
public sealed class PcaWhitening : IDisposable
{
    private const long ChunkRows = 8192;
    private bool _disposed;

    private PcaWhitening(Tensor mean, Tensor projection, Tensor eigenvalues)
    {
        Mean = mean.DetachFromDisposeScope();
        Projection = projection.DetachFromDisposeScope();
        Eigenvalues = eigenvalues.DetachFromDisposeScope();
    }

    /// <summary>Feature mean <c>[D]</c> (float64).</summary>
    public Tensor Mean { get; }

    /// <summary>The whitening matrix <c>W [d, D]</c> (float64): scaled eigenvectors as rows, leading first.</summary>
    public Tensor Projection { get; }

    /// <summary>The <c>d</c> leading eigenvalues of the covariance (divided by <c>N</c>), descending, float64.</summary>
    public Tensor Eigenvalues { get; }

    /// <summary>Input width <c>D</c>.</summary>
    public int InputDim => (int)Projection.shape[1];

    /// <summary>Output width <c>d</c>.</summary>
    public int OutputDim => (int)Projection.shape[0];

    /// <summary>Fits the whitening on <paramref name="features"/>.</summary>
    /// <param name="features">Feature vectors <c>[N, D]</c>, floating point, <c>N &gt;= 2</c>.</param>
    /// <param name="outputDim">Output width <c>d</c> in <c>[1, D]</c> (DeepCluster: 256).</param>
    /// <param name="epsilon">Added to every eigenvalue, relative to the largest, before the inverse square root (&gt;= 0).</param>
    /// <returns>The fitted whitening (owned by the caller), on the device of <paramref name="features"/>.</returns>
    /// <exception cref="ArgumentException">The features are not a float matrix of at least two rows, or
    /// <paramref name="outputDim"/> / <paramref name="epsilon"/> is out of range.</exception>
    public static PcaWhitening Fit(Tensor features, int outputDim, double epsilon = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2 || !features.is_floating_point())
            throw new ArgumentException(
                $"PCA whitening needs float features [N, D] but got {features.dtype} [{string.Join(", ", features.shape)}].", nameof(features));
        long n = features.shape[0], d = features.shape[1];
        if (n < 2)
            throw new ArgumentException($"PCA whitening needs at least 2 feature vectors to estimate a covariance, got {n}.", nameof(features));
        if (outputDim < 1 || outputDim > d)
            throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim,
                $"The PCA output width must lie in [1, {d}] (the feature width); use min(256, D) as DeepCluster does.");
        if (!(epsilon >= 0) || double.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a finite number >= 0.");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sum = zeros(d, ScalarType.Float64, features.device);
        for (long start = 0; start < n; start += ChunkRows)
        {
            using var inner = NewDisposeScope();
            sum.add_(features.narrow(0, start, Math.Min(ChunkRows, n - start)).to(ScalarType.Float64).sum(0, keepdim: false));
        }
        var mean = sum.div(n);
        var scatter = zeros(new[] { d, d }, ScalarType.Float64, features.device);
        for (long start = 0; start < n; start += ChunkRows)
        {
            using var inner = NewDisposeScope();
            var centred = features.narrow(0, start, Math.Min(ChunkRows, n - start)).to(ScalarType.Float64).sub(mean);
            scatter.add_(centred.t().matmul(centred));
        }
        var covariance = scatter.div(n);
        covariance = covariance.add(covariance.t()).div(2); // exactly symmetric for eigh
        var (values, vectors) = linalg.eigh(covariance);   // ascending
        var top = arange(d - 1, d - 1 - outputDim, -1, ScalarType.Int64, features.device);
        var lambda = values.index_select(0, top).clamp_min(0);
        var components = vectors.index_select(1, top).t();  // [d, D], leading first
        var largest = components.abs().argmax(1, keepdim: true);
        var signs = components.gather(1, largest).sign();
        signs = where(signs.eq(0), ones_like(signs), signs);
        components = components.mul(signs);
        double floor = epsilon * lambda[0].item<double>();
        if (!(lambda[0].item<double>() > 0))
            throw new ArgumentException("PCA whitening got features without any variance (all rows equal): nothing to whiten.", nameof(features));
        var scale = lambda.add(floor).rsqrt();
        var projection = components.mul(scale.unsqueeze(1));
        return new PcaWhitening(mean.MoveToOuterDisposeScope(), projection.MoveToOuterDisposeScope(), lambda.MoveToOuterDisposeScope());
    }

    /// <summary>Whitens <paramref name="features"/>: <c>(x - mean) W^T</c>.</summary>
    /// <param name="features">Features <c>[M, D]</c>, floating point.</param>
    /// <returns>Whitened features <c>[M, d]</c> in the dtype of <paramref name="features"/> (computed in float64).</returns>
    /// <exception cref="ArgumentException">The width is not <see cref="InputDim"/>.</exception>
    public Tensor Apply(Tensor features)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2 || features.shape[1] != InputDim || !features.is_floating_point())
            throw new ArgumentException(
                $"PCA whitening was fitted on [N, {InputDim}] float features but got {features.dtype} [{string.Join(", ", features.shape)}].",
                nameof(features));
        long n = features.shape[0];
        var output = empty(new[] { n, (long)OutputDim }, features.dtype, features.device);
        using var noGrad = no_grad();
        for (long start = 0; start < n; start += ChunkRows)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(ChunkRows, n - start);
            var y = features.narrow(0, start, count).to(ScalarType.Float64).sub(Mean).matmul(Projection.t());
            output.narrow(0, start, count).copy_(y);
        }
        return output;
    }

    /// <summary>
    /// DeepCluster's preprocessing in one call: fit on <paramref name="features"/>, whiten them to
    /// <c>min(outputDim, D)</c> dimensions and L2-normalise each row (eps 1e-12).
    /// </summary>
    /// <param name="features">Features <c>[N, D]</c>.</param>
    /// <param name="outputDim">Requested output width (DeepCluster: 256); capped at the feature width <c>D</c>.</param>
    /// <param name="epsilon">See <see cref="Fit"/>.</param>
    /// <returns>Rows of unit length <c>[N, min(outputDim, D)]</c>, in the dtype of <paramref name="features"/>.</returns>
    public static Tensor WhitenAndNormalize(Tensor features, int outputDim = 256, double epsilon = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (outputDim < 1) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "The PCA output width must be >= 1 (DeepCluster: 256).");
        if (features.dim() != 2)
            throw new ArgumentException($"Features must be [N, D] but have shape [{string.Join(", ", features.shape)}].", nameof(features));
        using var pca = Fit(features, (int)Math.Min(outputDim, features.shape[1]), epsilon);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return nn.functional.normalize(pca.Apply(features), p: 2, dim: 1, eps: 1e-12).MoveToOuterDisposeScope();
    }

    /// <summary>Frees the mean, projection and eigenvalue tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Mean.Dispose();
        Projection.Dispose();
        Eigenvalues.Dispose();
    }
}
