using SslSharp.Core;
using SslSharp.Data;

namespace SslSharp.Methods.Clustering;

/// <summary>
/// DeepCluster's sampler: an epoch of <c>N</c> images drawn uniformly over the non-empty clusters, so
/// that large clusters do not dominate training on the pseudo-labels.
/// </summary>
/// <remarks>
/// <para>facebookresearch/deepcluster <c>util.py</c>, <c>UnifLabelSampler</c> (the version that skips
/// empty clusters): with <c>m</c> non-empty clusters, each contributes <c>floor(N / m) + 1</c> of its
/// images, drawn with replacement when the cluster holds no more than that and without replacement
/// otherwise; the <c>m (floor(N / m) + 1) &gt; N</c> draws are shuffled and the first <c>N</c> kept.</para>
/// <para>Every draw comes from a <see cref="SplitMix64"/> seeded by <c>(seed, epoch)</c>, so the order
/// is a pure function of the assignments, the seed and the epoch (a resumed run gets it back).</para>
/// </remarks>
public sealed class UniformClusterSampler : IIndexSampler
{
    private const long SamplerStream = 0x554E4946; // "UNIF"
    private readonly long[][] _members;

    /// <summary>Creates the sampler for one clustering.</summary>
    /// <param name="assignments">The cluster of every image, each in <c>[0, clusters)</c>; length <c>N</c>.</param>
    /// <param name="clusters">Number of clusters <c>k</c> (empty ones are skipped).</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <exception cref="ArgumentException">No images, or an assignment outside <c>[0, clusters)</c>.</exception>
    public UniformClusterSampler(IReadOnlyList<long> assignments, int clusters, long seed)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        if (assignments.Count == 0) throw new ArgumentException("The sampler needs at least one assigned image.", nameof(assignments));
        if (clusters < 1) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "The number of clusters must be >= 1.");
        var lists = Enumerable.Range(0, clusters).Select(_ => new List<long>()).ToArray();
        for (int i = 0; i < assignments.Count; i++)
        {
            long c = assignments[i];
            if (c < 0 || c >= clusters)
                throw new ArgumentException($"Image {i} is assigned to cluster {c}, outside [0, {clusters}).", nameof(assignments));
            lists[c].Add(i);
        }
        _members = lists.Where(l => l.Count > 0).Select(l => l.ToArray()).ToArray();
        Count = assignments.Count;
        Seed = seed;
    }

    /// <summary>Number of images <c>N</c> (the length of every epoch).</summary>
    public long Count { get; }

    /// <summary>Seed of the draws.</summary>
    public long Seed { get; }

    /// <summary>Number of non-empty clusters <c>m</c>.</summary>
    public int NonEmptyClusters => _members.Length;

    /// <summary>Images drawn from each non-empty cluster before the cut to <c>N</c>: <c>floor(N / m) + 1</c>.</summary>
    public long PerCluster => Count / NonEmptyClusters + 1;

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="count"/> is not the number of assigned images.</exception>
    public long[] EpochOrder(int epoch, long count)
    {
        if (count != Count)
            throw new ArgumentException(
                $"The sampler was built from the assignments of {Count} images but the data set has {count}; re-cluster after changing the data.",
                nameof(count));
        var rng = new SplitMix64(SplitMix64.Mix(Seed, SamplerStream, epoch));
        long per = PerCluster;
        var drawn = new long[per * NonEmptyClusters];
        long w = 0;
        foreach (var members in _members)
        {
            if (members.LongLength <= per)
            {
                for (long j = 0; j < per; j++) drawn[w++] = members[(long)rng.NextBelow((ulong)members.LongLength)];
            }
            else
            {
                // Without replacement: the first `per` slots of a partial Fisher-Yates shuffle.
                var pool = (long[])members.Clone();
                for (long j = 0; j < per; j++)
                {
                    long r = j + (long)rng.NextBelow((ulong)(pool.LongLength - j));
                    (pool[j], pool[r]) = (pool[r], pool[j]);
                    drawn[w++] = pool[j];
                }
            }
        }
        for (long i = drawn.LongLength - 1; i > 0; i--)
        {
            long j = (long)rng.NextBelow((ulong)(i + 1));
            (drawn[i], drawn[j]) = (drawn[j], drawn[i]);
        }
        return drawn.AsSpan(0, (int)Count).ToArray();
    }
}
