namespace SslSharp.Data;

/// <summary>
/// Chooses the order in which an epoch visits a data set: the role of PyTorch's
/// <c>torch.utils.data.Sampler</c>. <see cref="Loader"/> uses its own seeded permutation unless a
/// sampler is set (<see cref="Loader.Sampler"/>).
/// </summary>
/// <remarks>
/// An implementation must be a pure function of its own state, the epoch and a seed it
/// holds, so that a resumed run that skips the first batches of an epoch sees the same later batches.
/// DeepCluster's uniform-over-clusters sampler (facebookresearch/deepcluster <c>util.py</c>,
/// <c>UnifLabelSampler</c>) is one.
/// </remarks>
public interface IIndexSampler
{
    /// <summary>The data-set indices epoch <paramref name="epoch"/> visits, in order.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="count">The size of the data set, <c>N</c>.</param>
    /// <returns>Exactly <paramref name="count"/> indices, each in <c>[0, count)</c>; an index may repeat.</returns>
    long[] EpochOrder(int epoch, long count);
}
