using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules;

/// <summary>
/// k-means with Lloyd iterations in TorchSharp: assign every point to its nearest centroid (squared
/// Euclidean distance), move every centroid to the mean of its points, re-seed empty clusters by
/// splitting a large one; repeat. Device-agnostic; the distance matrix is computed in row chunks so
/// memory stays bounded for large <c>N x k</c>.
/// </summary>
/// <remarks>
/// <para>DeepCluster (Caron et al., ECCV 2018; facebookresearch/deepcluster <c>clustering.py</c>,
/// <c>run_kmeans</c>) clusters with faiss' <c>Clustering</c>: 20 iterations, initial centroids = k random
/// data points, a new seed every epoch. One iteration here is one faiss iteration: assignment, centroid
/// update, then the empty-cluster split of faiss' <c>split_clusters</c>: the empty cluster takes a copy
/// of the centroid of a large cluster, and the two copies are pushed apart by a symmetric relative
/// perturbation <c>(1 +/- 1/1024)</c> alternating in sign over the coordinates; the large cluster's
/// count is shared between them. faiss draws the cluster to split with probability proportional to
/// its size; here the largest cluster is split (the first on ties), which keeps the run deterministic
/// without a second random stream. After the last iteration every point is assigned once more to the
/// final centroids, as DeepCluster's <c>index.search(x, 1)</c> does.</para>
/// <para>Ties in the assignment go to the lowest centroid index (<c>argmin</c>).</para>
/// </remarks>
public sealed class KMeans
{
    /// <summary>The relative perturbation faiss applies when it splits a cluster (<c>EPS = 1/1024</c>).</summary>
    public const double SplitPerturbation = 1.0 / 1024;

    private const long RandomInitStream = 0x4B4D5244; // "KMRD"
    private const long PlusPlusStream = 0x4B4D5050;   // "KMPP"
    private const long DistanceBudget = 1L << 22;     // elements of one [chunk, k] distance block

    /// <summary>Creates a k-means configuration.</summary>
    /// <param name="clusters">Number of clusters <c>k</c> (&gt;= 1; DeepCluster on ImageNet: 10000).</param>
    /// <param name="iterations">Lloyd iterations (&gt;= 1; DeepCluster: 20).</param>
    /// <param name="init">How the initial centroids are chosen.</param>
    /// <param name="seed">Seed of the initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is below 1.</exception>
    public KMeans(int clusters, int iterations = 20, KMeansInit init = KMeansInit.Random, long seed = 0)
    {
        if (clusters < 1) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "k-means needs at least 1 cluster.");
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "k-means needs at least 1 Lloyd iteration (DeepCluster: 20).");
        if (!Enum.IsDefined(init)) throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown k-means initialisation.");
        Clusters = clusters;
        Iterations = iterations;
        Init = init;
        Seed = seed;
    }

    /// <summary>Number of clusters <c>k</c>.</summary>
    public int Clusters { get; }

    /// <summary>Lloyd iterations.</summary>
    public int Iterations { get; }

    /// <summary>How the initial centroids are chosen.</summary>
    public KMeansInit Init { get; }

    /// <summary>Seed of the initialisation.</summary>
    public long Seed { get; }

    /// <summary>Clusters <paramref name="points"/>.</summary>
    /// <param name="points">Points <c>[N, d]</c>, floating point, finite, <c>N &gt;= k</c>.</param>
    /// <returns>The result, owned by the caller.</returns>
    /// <exception cref="ArgumentException">Fewer points than clusters, a wrong shape, or non-finite values.</exception>
    public KMeansResult Fit(Tensor points)
    {
        CheckPoints(points, Clusters);
        using var scope = NewDisposeScope();
        var initial = InitialCentroids(points, Clusters, Init, Seed);
        var result = Lloyd(points, initial, Iterations);
        result.Centroids.MoveToOuterDisposeScope();
        result.Assignments.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The initial centroids <c>[k, d]</c> (copies of data points).</summary>
    /// <param name="points">Points <c>[N, d]</c>, <c>N &gt;= k</c>.</param>
    /// <param name="clusters">Number of clusters <c>k</c>.</param>
    /// <param name="init">Random data points or k-means++.</param>
    /// <param name="seed">Seed of the draws (SplitMix64, so the choice does not depend on the libtorch version).</param>
    public static Tensor InitialCentroids(Tensor points, int clusters, KMeansInit init, long seed)
    {
        CheckPoints(points, clusters);
        long n = points.shape[0];
        using var noGrad = no_grad();
        if (init == KMeansInit.Random)
        {
            var chosen = SplitMix64.Permutation(n, SplitMix64.Mix(seed, RandomInitStream)).AsSpan(0, clusters).ToArray();
            using var index = tensor(chosen, ScalarType.Int64, points.device);
            return points.index_select(0, index);
        }

        var rng = new SplitMix64(SplitMix64.Mix(seed, PlusPlusStream));
        var picks = new long[clusters];
        picks[0] = (long)rng.NextBelow((ulong)n);
        double[] nearest = SquaredDistancesTo(points, picks[0]);
        for (int c = 1; c < clusters; c++)
        {
            double total = nearest.Sum();
            long pick;
            if (!(total > 0))
            {
                pick = (long)rng.NextBelow((ulong)n); // every point coincides with a centroid: any choice is as good
            }
            else
            {
                double r = (rng.NextUInt64() >> 11) * (1.0 / (1UL << 53)) * total;
                double acc = 0;
                pick = n - 1;
                for (long i = 0; i < n; i++)
                {
                    acc += nearest[i];
                    if (r < acc && nearest[i] > 0) { pick = i; break; }
                }
            }
            picks[c] = pick;
            var next = SquaredDistancesTo(points, pick);
            for (long i = 0; i < n; i++) nearest[i] = Math.Min(nearest[i], next[i]);
        }
        using var picked = tensor(picks, ScalarType.Int64, points.device);
        return points.index_select(0, picked);
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> Lloyd iterations from <paramref name="initialCentroids"/> and
    /// assigns every point to the final centroids.
    /// </summary>
    /// <param name="points">Points <c>[N, d]</c>, floating point.</param>
    /// <param name="initialCentroids">Starting centroids <c>[k, d]</c> (not changed).</param>
    /// <param name="iterations">Number of iterations (&gt;= 0; 0 only assigns).</param>
    /// <returns>The result, owned by the caller, in the dtype and on the device of <paramref name="points"/>.</returns>
    public static KMeansResult Lloyd(Tensor points, Tensor initialCentroids, int iterations)
    {
        ArgumentNullException.ThrowIfNull(initialCentroids);
        if (initialCentroids.dim() != 2 || initialCentroids.shape[0] < 1)
            throw new ArgumentException($"Centroids must be [k, d] with k >= 1 but have shape [{string.Join(", ", initialCentroids.shape)}].", nameof(initialCentroids));
        int k = (int)initialCentroids.shape[0];
        CheckPoints(points, k);
        if (initialCentroids.shape[1] != points.shape[1])
            throw new ArgumentException(
                $"Centroids have width {initialCentroids.shape[1]} but the points have width {points.shape[1]}.", nameof(initialCentroids));
        if (iterations < 0) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "The number of iterations must be >= 0.");

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long d = points.shape[1];
        var centroids = initialCentroids.to(points.dtype, points.device).clone();
        var (plus, minus) = SplitFactors(d, points.dtype, points.device);
        int splits = 0;
        using Scalar one = 1L; // explicit, kept alive: see Augment/Functional/ScalarCache on temporary scalars
        for (int it = 0; it < iterations; it++)
        {
            using var inner = NewDisposeScope();
            var (assignments, _) = Assign(points, centroids);
            var counts = zeros(k, ScalarType.Int64, points.device).index_add_(0, assignments, ones_like(assignments), one);
            var sums = zeros(new long[] { k, d }, points.dtype, points.device).index_add_(0, assignments, points, one);
            centroids.copy_(sums.div(counts.clamp_min(1).to(points.dtype).unsqueeze(1)));
            splits += SplitEmptyClusters(centroids, counts.cpu().data<long>().ToArray(), plus, minus);
        }
        var (final, distances) = Assign(points, centroids);
        double loss = distances.to(ScalarType.Float64).sum().item<double>();
        return new KMeansResult(centroids.MoveToOuterDisposeScope(), final.MoveToOuterDisposeScope(), loss, splits);
    }

    /// <summary>The nearest centroid of every point and the squared distance to it.</summary>
    /// <param name="points">Points <c>[N, d]</c>.</param>
    /// <param name="centroids">Centroids <c>[k, d]</c>.</param>
    /// <returns>Assignments <c>[N]</c> (int64; ties to the lowest index) and squared distances <c>[N]</c> (clamped at 0).</returns>
    public static (Tensor Assignments, Tensor SquaredDistances) Assign(Tensor points, Tensor centroids)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(centroids);
        if (points.dim() != 2 || centroids.dim() != 2 || points.shape[1] != centroids.shape[1])
            throw new ArgumentException(
                $"Points [N, d] and centroids [k, d] must share d; got [{string.Join(", ", points.shape)}] and [{string.Join(", ", centroids.shape)}].");
        long n = points.shape[0], k = centroids.shape[0];
        long chunk = Math.Max(1, DistanceBudget / k);
        using var noGrad = no_grad();
        var assignments = empty(n, ScalarType.Int64, points.device);
        var squared = empty(n, points.dtype, points.device);
        using (var scope = NewDisposeScope())
        {
            var c = centroids.to(points.dtype);
            var cNorms = c.mul(c).sum(1);
            for (long start = 0; start < n; start += chunk)
            {
                using var inner = NewDisposeScope();
                long count = Math.Min(chunk, n - start);
                var x = points.narrow(0, start, count);
                var dist = x.matmul(c.t()).mul_(-2).add_(cNorms.unsqueeze(0)).add_(x.mul(x).sum(1, keepdim: true));
                var best = dist.argmin(1);
                assignments.narrow(0, start, count).copy_(best);
                squared.narrow(0, start, count).copy_(dist.gather(1, best.unsqueeze(1)).squeeze(1).clamp_min(0));
            }
        }
        return (assignments, squared);
    }

    /// <summary>Re-seeds every empty cluster from the currently largest one (see the class remarks); returns how many.</summary>
    private static int SplitEmptyClusters(Tensor centroids, long[] counts, Tensor plus, Tensor minus)
    {
        int splits = 0;
        for (int ci = 0; ci < counts.Length; ci++)
        {
            if (counts[ci] != 0) continue;
            int cj = 0;
            for (int j = 1; j < counts.Length; j++)
                if (counts[j] > counts[cj]) cj = j;
            using var source = centroids[cj].clone();
            using var a = source.mul(plus);
            using var b = source.mul(minus);
            centroids[ci].copy_(a);
            centroids[cj].copy_(b);
            counts[ci] = counts[cj] / 2;
            counts[cj] -= counts[ci];
            splits++;
        }
        return splits;
    }

    /// <summary>faiss' symmetric split factors: <c>1 + eps</c> on even and <c>1 - eps</c> on odd coordinates, and the mirror.</summary>
    private static (Tensor Plus, Tensor Minus) SplitFactors(long d, ScalarType dtype, Device device)
    {
        var even = new double[d];
        for (long j = 0; j < d; j++) even[j] = j % 2 == 0 ? 1 + SplitPerturbation : 1 - SplitPerturbation;
        var odd = even.Select(v => 2 - v).ToArray();
        return (tensor(even, ScalarType.Float64, device).to(dtype), tensor(odd, ScalarType.Float64, device).to(dtype));
    }

    private static double[] SquaredDistancesTo(Tensor points, long index)
    {
        using var scope = NewDisposeScope();
        var diff = points.sub(points[index].unsqueeze(0));
        return diff.mul(diff).sum(1).to(ScalarType.Float64).cpu().data<double>().ToArray();
    }

    private static void CheckPoints(Tensor points, int clusters)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.dim() != 2 || !points.is_floating_point())
            throw new ArgumentException(
                $"k-means needs float points [N, d] but got {points.dtype} [{string.Join(", ", points.shape)}].", nameof(points));
        if (points.shape[0] < clusters)
            throw new ArgumentException(
                $"k-means with k = {clusters} clusters needs at least {clusters} points but got {points.shape[0]}. " +
                "Use fewer clusters (DeepCluster: num_clusters) or more data.", nameof(points));
        using var finite = points.isfinite().all();
        if (!finite.item<bool>())
            throw new ArgumentException("k-means got points with NaN or infinite values; check the features (did training diverge?).", nameof(points));
    }
}
