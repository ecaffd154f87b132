using SslSharp.Augment;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// The batch plan that <see cref="Loader"/> and <see cref="StreamingLoader"/> share, so both give the same batches:
/// the seeded order of each epoch, which block of that order global batch <c>k</c> gives to shard <c>i</c> of
/// <c>S</c>, and the seed of that batch's augmentations.
/// </summary>
/// <remarks>
/// Contract: the order of epoch <c>e</c> is the Fisher-Yates permutation of <c>0 .. N-1</c> seeded by
/// <c>Mix(seed, PERM, e)</c> (the identity without shuffling). Batch <c>k</c> of shard <c>i</c> is slot
/// <c>k x S + i</c>: the <c>B</c> items at <c>slot x B</c> of the order (fewer for the last batch without dropping),
/// augmented by a generator seeded with <c>Mix(seed, AUGM, e, slot)</c> (<see cref="SplitMix64.Mix"/>). A batch
/// therefore depends only on (seed, epoch, batch, shard), never on resuming, prefetching or workers.
/// </remarks>
/// <param name="Count">Items per epoch, <c>N</c>.</param>
/// <param name="BatchSize">Items per batch and shard, <c>B</c> (checked by the loaders).</param>
/// <param name="Seed">Seed of every permutation and augmentation.</param>
/// <param name="Shuffle">Whether each epoch visits the items in the seeded random order.</param>
/// <param name="DropLast">Whether the last incomplete batch of an epoch is dropped.</param>
internal sealed record ShardedEpochOrder(long Count, int BatchSize, long Seed, bool Shuffle, bool DropLast)
{
    // Domain separation between the two uses of the seed.
    private const long PermutationStream = 0x5045524D; // "PERM"
    private const long AugmentStream = 0x4155474D;     // "AUGM"

    private readonly int _shardIndex;
    private readonly int _shardCount = 1;

    /// <summary>This process's index among <see cref="ShardCount"/>, <c>i</c> (&gt;= 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative value.</exception>
    public int ShardIndex
    {
        get => _shardIndex;
        init => _shardIndex = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ShardIndex), value, "The shard index (the process's rank) must be >= 0.");
    }

    /// <summary>Processes sharing each global batch, <c>S</c> (&gt;= 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value below 1.</exception>
    public int ShardCount
    {
        get => _shardCount;
        init => _shardCount = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ShardCount), value, "The shard count (the number of processes) must be >= 1.");
    }

    /// <summary>Batches in one epoch: <c>floor(N / (B x S))</c> with <see cref="DropLast"/>, <c>ceil(N / B)</c> without.</summary>
    public long BatchesPerEpoch => DropLast ? Count / ((long)BatchSize * ShardCount) : (Count + BatchSize - 1) / BatchSize;

    /// <summary>Fails on a negative epoch.</summary>
    public static void CheckEpoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), $"The epoch must be non-negative, got {epoch}.");
    }

    /// <summary>Checks the start of an epoch's enumeration: the epoch, <paramref name="skipBatches"/> in
    /// <c>[0, BatchesPerEpoch]</c>, and a usable shard (index below the count; several shards drop the last batch).</summary>
    public void CheckEpochStart(int epoch, long skipBatches)
    {
        CheckEpoch(epoch);
        if (skipBatches < 0 || skipBatches > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(skipBatches),
                $"skipBatches must lie in [0, {BatchesPerEpoch}] (batches per epoch), got {skipBatches}.");
        CheckShard();
    }

    /// <summary>Fails when the shard index is not below the count, or when several shards keep the last incomplete batch.</summary>
    public void CheckShard()
    {
        if (ShardIndex >= ShardCount)
            throw new InvalidOperationException($"The loader's shard index {ShardIndex} is not below its shard count {ShardCount}.");
        if (ShardCount > 1 && !DropLast)
            throw new InvalidOperationException("A loader shared by several processes must drop the last incomplete batch (dropLast: true), so every process gets batches of the same size.");
    }

    /// <summary>The order of epoch <paramref name="epoch"/>: the seeded permutation of <c>0 .. N-1</c>, or the identity
    /// without <see cref="Shuffle"/>.</summary>
    public long[] EpochOrder(int epoch)
    {
        CheckEpoch(epoch);
        if (Shuffle) return SplitMix64.Permutation(Count, SplitMix64.Mix(Seed, PermutationStream, epoch));
        var order = new long[Count];
        for (long i = 0; i < order.Length; i++) order[i] = i;
        return order;
    }

    /// <summary>Where batch <paramref name="batchIndex"/> of this shard lies in an order of
    /// <paramref name="orderLength"/> items: its slot <c>k x S + i</c>, its first position <c>slot x B</c> and its size
    /// (<c>B</c>, or what is left for a last incomplete batch).</summary>
    public (long Slot, long First, int Count) Batch(long batchIndex, long orderLength)
    {
        long slot = batchIndex * ShardCount + ShardIndex;   // = batchIndex with one process
        long first = slot * BatchSize;
        return (slot, first, (int)Math.Min(BatchSize, orderLength - first));
    }

    /// <summary>The seed of the augmentation generator of slot <paramref name="slot"/> in epoch <paramref name="epoch"/>.</summary>
    public ulong AugmentSeed(int epoch, long slot) => SplitMix64.Mix(Seed, AugmentStream, epoch, slot);

    /// <summary>
    /// The views of batch <paramref name="batchIndex"/> (slot <paramref name="slot"/>): <paramref name="load"/> makes its raw
    /// images <c>uint8 [B, C, H, W]</c> and labels <c>int64 [B]</c>, and <paramref name="views"/> augments them with a
    /// generator seeded by <see cref="AugmentSeed"/>, without gradient. The batch carries <paramref name="indices"/> and
    /// belongs to no dispose scope (the caller owns it, on any thread); every temporary is freed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The view generator returned null or changed the batch size.</exception>
    public ViewBatch CreateViews(IViewGenerator views, int epoch, long batchIndex, long slot, long[] indices, Func<(Tensor Images, Tensor Labels)> load)
    {
        using var noGrad = torch.no_grad();
        using var generator = new torch.Generator(AugmentSeed(epoch, slot), torch.CPU);
        // Every temporary dies with this scope; the batch's own tensors are detached from it
        // (not moved to an outer scope), so the caller owns them on whichever thread consumes them.
        using var scope = torch.NewDisposeScope();
        var (images, labels) = load();
        var batch = views.CreateViews(images, labels, generator)
            ?? throw new InvalidOperationException($"{views.GetType().Name}.CreateViews returned null for batch {batchIndex} of epoch {epoch}.");
        if (batch.BatchSize != indices.LongLength)
            throw new InvalidOperationException(
                $"{views.GetType().Name}.CreateViews returned views of {batch.BatchSize} images for a batch of {indices.LongLength}; a view generator must keep the batch size.");
        batch = new ViewBatch(batch.Views, batch.GlobalCount, batch.Labels ?? labels, torch.tensor(indices, ScalarType.Int64));
        foreach (var v in batch.Views) v.DetachFromDisposeScope();
        batch.Labels?.DetachFromDisposeScope();
        batch.Indices!.DetachFromDisposeScope();
        return batch;
    }
}
