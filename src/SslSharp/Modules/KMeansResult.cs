using static TorchSharp.torch;

namespace SslSharp.Modules;

/// <summary>The outcome of <see cref="KMeans"/>: centroids, the assignment of every point, and the objective.</summary>
/// <param name="Centroids">Final centroids <c>[k, d]</c>, in the dtype and on the device of the data.</param>
/// <param name="Assignments">Index of the nearest final centroid of every point <c>[N]</c> (int64).</param>
/// <param name="Loss">Sum over points of the squared distance to the assigned centroid.</param>
/// <param name="Splits">How many times an empty cluster was re-seeded by splitting the largest one.</param>
public sealed record KMeansResult(Tensor Centroids, Tensor Assignments, double Loss, int Splits) : IDisposable
{
    /// <summary>Frees the centroid and assignment tensors.</summary>
    public void Dispose()
    {
        Centroids.Dispose();
        Assignments.Dispose();
    }
}
