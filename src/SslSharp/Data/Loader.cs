using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using SslSharp.Augment;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// Cuts an <see cref="ImageDataset"/> into batches, turns each into views with an
/// <see cref="IViewGenerator"/>, and prepares the next batches on a background thread while the
/// current training step computes.
/// </summary>
/// <remarks>
/// <para>
/// Determinism and resumability: the order of epoch <c>e</c> is a Fisher-Yates permutation seeded
/// by <c>(seed, e)</c>, and batch <c>k</c>'s augmentations draw from a <c>torch.Generator</c>
/// seeded by <c>(seed, e, k)</c> (seeds mixed with <see cref="SplitMix64.Mix"/>). Batch <c>k</c> of
/// epoch <c>e</c> is therefore the same whether the epoch ran from the start or resumed at
/// <c>k</c> (<c>skipBatches</c>), and the same with prefetching on or off. With a
/// <see cref="Sampler"/> set, the sampler gives the order of each epoch instead of the permutation
/// (it must be just as deterministic); the augmentation seeds stay the same.
/// </para>
/// <para>
/// Ownership: every <see cref="ViewBatch"/> yielded belongs to the caller, who must dispose it.
/// Its tensors belong to no dispose scope (TorchSharp's scopes are per thread, and the batches
/// are made on the worker thread), so they live until disposed. Breaking out of
/// <see cref="Epoch"/> early stops the worker and disposes the batches it had prepared but not
/// handed out. An exception on the worker reaches the consumer, with its type, message and stack,
/// after the batches made before it. Every batch carries the data-set index of its images
/// (<see cref="ViewBatch.Indices"/>).
/// </para>
/// <para>
/// The role of PyTorch's <c>DataLoader</c> with <c>num_workers</c> and <c>prefetch_factor</c>
/// (https://pytorch.org/docs/stable/data.html), with one worker thread: augmentations here
/// are batched tensor operations that libtorch parallelises internally.
/// </para>
/// </remarks>
public sealed class Loader : ISampledBatchSource
{
    private ShardedEpochOrder _plan;

    /// <summary>Creates a loader; nothing runs until <see cref="Epoch"/> is enumerated.</summary>
    /// <param name="data">The data set (not owned; keep it alive while enumerating).</param>
    /// <param name="batchSize">Images per batch, at least 1.</param>
    /// <param name="views">Turns raw images <c>uint8 [B, C, H, W]</c> into the views of a batch.</param>
    /// <param name="seed">Seed of every permutation and augmentation.</param>
    /// <param name="shuffle">Shuffle each epoch (by the seeded permutation); in data-set order otherwise.</param>
    /// <param name="dropLast">Drop the last incomplete batch (SSL losses expect full batches).</param>
    /// <param name="prefetch">Batches prepared ahead on a background thread; 0 makes each batch on the calling thread when asked.</param>
    public Loader(ImageDataset data, int batchSize, IViewGenerator views, long seed, bool shuffle = true, bool dropLast = true, int prefetch = 2)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(views);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"The batch size must be at least 1, got {batchSize}.");
        if (prefetch < 0)
            throw new ArgumentOutOfRangeException(nameof(prefetch), $"prefetch must be 0 (no background thread) or more, got {prefetch}.");
        if (dropLast && data.Count < batchSize)
            throw new ArgumentException(
                $"Data set '{data.Name}' has {data.Count} images, fewer than one batch of {batchSize}, so dropLast leaves no batch. " +
                "Use a smaller batch size or dropLast: false.", nameof(batchSize));
        Data = data;
        Views = views;
        Prefetch = prefetch;
        _plan = new ShardedEpochOrder(data.Count, batchSize, seed, shuffle, dropLast);
    }

    /// <summary>The data set batches are drawn from.</summary>
    public ImageDataset Data { get; }

    /// <summary>Images per batch.</summary>
    public int BatchSize => _plan.BatchSize;

    /// <summary>The view generator applied to each batch.</summary>
    public IViewGenerator Views { get; }

    /// <summary>Seed of every permutation and augmentation.</summary>
    public long Seed => _plan.Seed;

    /// <summary>Whether each epoch visits the images in a seeded random order.</summary>
    public bool Shuffle => _plan.Shuffle;

    /// <summary>Whether the last incomplete batch of an epoch is dropped.</summary>
    public bool DropLast => _plan.DropLast;

    /// <summary>Batches prepared ahead on the background thread (0: none, no thread).</summary>
    public int Prefetch { get; }

    /// <summary>
    /// The order of each epoch, read when an epoch starts (<see cref="Epoch"/>, <see cref="EpochOrder"/>);
    /// null (the default) for the seeded permutation (or data-set order without <see cref="Shuffle"/>).
    /// DeepCluster sets its uniform-over-clusters sampler here before every epoch.
    /// </summary>
    public IIndexSampler? Sampler { get; set; }

    /// <summary>
    /// The deterministic transform for whole-set feature passes (the eval transform of the augmentation
    /// preset); null for none. The loader itself never applies it.
    /// </summary>
    public IBatchTransform? EvalTransform { get; init; }

    /// <summary>
    /// Data-parallel training: this process's index among <see cref="ShardCount"/> processes (default 0 of 1). Every
    /// process computes the same epoch order from the shared seed; global batch <c>k</c> is the <c>B x S</c> images at
    /// <c>k x B x S</c> of that order, and process <c>i</c> takes its <c>i</c>-th block of <c>B</c> = <see cref="BatchSize"/>
    /// (disjoint shards, reshuffled every epoch, as PyTorch's <c>DistributedSampler</c>). Its augmentations are seeded by
    /// <c>(seed, epoch, k x S + i)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative value.</exception>
    public int ShardIndex
    {
        get => _plan.ShardIndex;
        init => _plan = _plan with { ShardIndex = value };
    }

    /// <summary>The number of processes sharing each global batch (see <see cref="ShardIndex"/>); 1 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value below 1.</exception>
    public int ShardCount
    {
        get => _plan.ShardCount;
        init => _plan = _plan with { ShardCount = value };
    }

    /// <summary>Batches in one epoch: <c>floor(N / (B x S))</c> with <see cref="DropLast"/>, <c>ceil(N / B)</c> without
    /// (<c>S</c> = <see cref="ShardCount"/>, which must then be 1).</summary>
    public long BatchesPerEpoch => _plan.BatchesPerEpoch;

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the images (indices into <see cref="Data"/>).</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <returns>A permutation of <c>0 .. N-1</c> (the identity without <see cref="Shuffle"/>), or the
    /// <see cref="Sampler"/>'s order when one is set.</returns>
    /// <exception cref="InvalidOperationException">The sampler returned the wrong number of indices or an index out of range.</exception>
    public long[] EpochOrder(int epoch)
    {
        ShardedEpochOrder.CheckEpoch(epoch);
        return Sampler is { } sampler ? CheckedOrder(sampler, epoch) : _plan.EpochOrder(epoch);
    }

    /// <summary>
    /// Enumerates the batches of epoch <paramref name="epoch"/>, from batch
    /// <paramref name="skipBatches"/> on, in order. The caller owns (and must dispose) each batch.
    /// </summary>
    /// <param name="epoch">The epoch, from 0; selects the permutation and the augmentation seeds.</param>
    /// <param name="skipBatches">Batches to skip at the start (to resume mid-epoch), in <c>[0, BatchesPerEpoch]</c>.</param>
    /// <returns>
    /// <see cref="BatchesPerEpoch"/> − <paramref name="skipBatches"/> batches; each carries the
    /// generator's views and the labels <c>int64 [B]</c> of its images.
    /// </returns>
    public IEnumerable<ViewBatch> Epoch(int epoch, long skipBatches = 0)
    {
        _plan.CheckEpochStart(epoch, skipBatches);
        return Prefetch == 0 ? Synchronous(epoch, skipBatches) : Prefetched(epoch, skipBatches);
    }

    /// <summary>
    /// Makes batch <paramref name="batchIndex"/> of epoch <paramref name="epoch"/> on the calling
    /// thread: the same batch <see cref="Epoch"/> yields at that position.
    /// </summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="batchIndex">The batch, in <c>[0, BatchesPerEpoch)</c>.</param>
    /// <returns>A batch owned by the caller.</returns>
    public ViewBatch CreateBatch(int epoch, long batchIndex)
    {
        if (batchIndex < 0 || batchIndex >= BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(batchIndex), $"The batch index must lie in [0, {BatchesPerEpoch}), got {batchIndex}.");
        _plan.CheckShard();
        return MakeBatch(epoch, EpochOrder(epoch), batchIndex);
    }

    private long[] CheckedOrder(IIndexSampler sampler, int epoch)
    {
        var order = sampler.EpochOrder(epoch, Data.Count)
            ?? throw new InvalidOperationException($"{sampler.GetType().Name}.EpochOrder returned null for epoch {epoch}.");
        if (order.LongLength != Data.Count)
            throw new InvalidOperationException(
                $"{sampler.GetType().Name} returned {order.LongLength} indices for epoch {epoch}; a sampler must return exactly one per image ({Data.Count}).");
        foreach (long i in order)
            if (i < 0 || i >= Data.Count)
                throw new InvalidOperationException($"{sampler.GetType().Name} returned index {i}, outside [0, {Data.Count}) of data set '{Data.Name}'.");
        return order;
    }

    private IEnumerable<ViewBatch> Synchronous(int epoch, long start)
    {
        var order = EpochOrder(epoch);
        for (long b = start; b < BatchesPerEpoch; b++)
            yield return MakeBatch(epoch, order, b);
    }

    private IEnumerable<ViewBatch> Prefetched(int epoch, long start)
    {
        var order = EpochOrder(epoch);
        using var queue = new BlockingCollection<ViewBatch>(Prefetch);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        long end = BatchesPerEpoch;

        var worker = Task.Factory.StartNew(() =>
        {
            try
            {
                for (long b = start; b < end && !stop.IsCancellationRequested; b++)
                {
                    var batch = MakeBatch(epoch, order, b);
                    try
                    {
                        queue.Add(batch, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        batch.Dispose();
                        return;
                    }
                }
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
                yield return batch;
            worker.Wait();
            failure?.Throw();
        }
        finally
        {
            // Runs on normal completion, on an exception, and when the consumer breaks out early.
            stop.Cancel();
            worker.Wait();
            while (queue.TryTake(out var left)) left.Dispose();
        }
    }

    private ViewBatch MakeBatch(int epoch, long[] order, long batchIndex)
    {
        var (slot, first, count) = _plan.Batch(batchIndex, order.LongLength);
        var indices = new long[count];
        Array.Copy(order, first, indices, 0, count);

        return _plan.CreateViews(Views, epoch, batchIndex, slot, indices, () =>
        {
            using var index = torch.tensor(indices, ScalarType.Int64);
            return (Data.Images.index_select(0, index), Data.Labels.index_select(0, index));
        });
    }
}
