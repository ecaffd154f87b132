using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using SslSharp.Augment;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>
/// The batches of an image folder decoded from disk while training runs, for folders too large to decode into memory
/// first: worker threads decode and augment whole batches, a bounded queue holds a few ready ones, and memory stays
/// flat over an epoch (only the batches in flight exist).
/// </summary>
/// <remarks>
/// <para>
/// Same batches as <see cref="Loader"/>: the order of epoch <c>e</c> is the same seeded permutation of the files (or
/// the identity without shuffling), and global batch <c>k</c>'s augmentations draw from a generator seeded by
/// <c>(seed, e, k x S + i)</c> for shard <c>i</c> of <c>S</c>, exactly as <see cref="Loader"/> seeds them. The
/// randomness of a batch therefore depends on (seed, epoch, batch), never on which worker made it: the batches are
/// bit-for-bit the same for every worker count, and the same as <see cref="Loader"/> gives over
/// <see cref="ImageFolder.Read"/> of the same files when all of them are readable.
/// </para>
/// <para>
/// Workers: with <c>W</c> worker threads, worker <c>w</c> makes batches <c>w, w + W, w + 2W, ...</c> of the epoch into
/// its own queue of <c>ceil(prefetch / W)</c> batches, and the consumer takes them round-robin, so batches arrive in
/// order. At most <c>W x (ceil(prefetch / W) + 1)</c> batches exist at once. The threads start with the first epoch and
/// serve every later one until <see cref="Dispose"/> (threads made anew each epoch grew resident memory by about 15%
/// over the first epochs: per-thread allocator arenas and thread pools). With 0 workers every batch is made on the
/// calling thread when asked.
/// </para>
/// <para>
/// Unreadable files (empty, truncated, not an image): the in-memory folder drops them before training; a stream
/// finds them only when it reaches them. Such a file is skipped with the same warning as <see cref="ImageFolder.Read"/>
/// gives (once per file, and a count at the end of each epoch that found new ones), and its place in the batch is
/// taken by a file drawn from <c>(seed, epoch, position)</c>, so batches keep their size (data-parallel processes
/// need equal batches) and stay independent of the worker count. With <see cref="ImageFolderOptions.Strict"/> the
/// first unreadable file stops the epoch with the in-memory folder's message, after the batches before it.
/// </para>
/// <para>
/// Ownership and stopping: every batch yielded belongs to the caller, who disposes it; its tensors belong to no
/// dispose scope. Leaving the enumeration early (break, an exception, disposing the enumerator) stops the workers'
/// epoch and frees the batches they had made; disposing the loader also ends and joins the threads. The role of PyTorch's
/// <c>DataLoader</c> with <c>num_workers</c> and <c>prefetch_factor</c> (https://pytorch.org/docs/stable/data.html).
/// </para>
/// </remarks>
public sealed class StreamingLoader : IBatchSource, IDisposable
{
    private const long ReplaceStream = 0x5245504C; // "REPL"
    private readonly ConcurrentDictionary<int, string> _unreadable = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly Action<string> _warn;
    private ShardedEpochOrder _plan;
    private readonly object _gate = new();
    private int _activeWorkers;
    private Thread[]? _threads;
    private BlockingCollection<EpochJob>[]? _inboxes;

    /// <summary>Creates a streaming loader; nothing is read until <see cref="Epoch"/> is enumerated.</summary>
    /// <param name="files">The files and labels (<see cref="ImageFolder.List"/>, or a split of it).</param>
    /// <param name="decoder">Decodes one file; must be safe on several threads.</param>
    /// <param name="options">Image size, channels and strictness (the held-out fraction is not used here).</param>
    /// <param name="batchSize">Images per batch, at least 1.</param>
    /// <param name="views">Turns raw images <c>uint8 [B, C, S, S]</c> into the views of a batch.</param>
    /// <param name="seed">Seed of every permutation, augmentation and replacement.</param>
    /// <param name="workers">Decode threads; 0 makes each batch on the calling thread.</param>
    /// <param name="prefetch">Batches ready ahead of the consumer, at least 1 (with workers).</param>
    /// <param name="shuffle">Shuffle each epoch by the seeded permutation; file order otherwise.</param>
    /// <param name="dropLast">Drop the last incomplete batch.</param>
    /// <param name="warn">Receives the line of each skipped file and the count; null: the console's error stream.</param>
    public StreamingLoader(ImageFolderListing files, IImageDecoder decoder, ImageFolderOptions options, int batchSize, IViewGenerator views,
        long seed, int workers = 2, int prefetch = 4, bool shuffle = true, bool dropLast = true, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(views);
        options.Validate();
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"The batch size must be at least 1, got {batchSize}.");
        if (workers < 0)
            throw new ArgumentOutOfRangeException(nameof(workers), $"workers must be 0 (decode on the training thread) or more, got {workers}.");
        if (prefetch < 1)
            throw new ArgumentOutOfRangeException(nameof(prefetch), $"prefetch must be at least 1 batch, got {prefetch}.");
        if (files.Files.Count == 0)
            throw new ArgumentException($"The listing of '{files.Root}' holds no file to stream.", nameof(files));
        if (dropLast && files.Files.Count < batchSize)
            throw new ArgumentException(
                $"The image folder '{files.Root}' has {files.Files.Count} images, fewer than one batch of {batchSize}, so dropLast leaves no batch. " +
                "Use a smaller batch size or dropLast: false.", nameof(batchSize));
        Files = files;
        Decoder = decoder;
        Options = options;
        Views = views;
        Workers = workers;
        Prefetch = prefetch;
        _plan = new ShardedEpochOrder(files.Files.Count, batchSize, seed, shuffle, dropLast);
        _warn = warn ?? (line => Console.Error.WriteLine($"warning: {line}"));
    }

    /// <summary>The files streamed, with their labels.</summary>
    public ImageFolderListing Files { get; }

    /// <summary>The image decoder.</summary>
    public IImageDecoder Decoder { get; }

    /// <summary>Image size, channels and strictness.</summary>
    public ImageFolderOptions Options { get; }

    /// <summary>Images per batch (per process).</summary>
    public int BatchSize => _plan.BatchSize;

    /// <summary>The view generator applied to each batch.</summary>
    public IViewGenerator Views { get; }

    /// <summary>Seed of every permutation, augmentation and replacement draw.</summary>
    public long Seed => _plan.Seed;

    /// <summary>Decode threads (0: none, batches are made on the calling thread).</summary>
    public int Workers { get; }

    /// <summary>Batches ready ahead of the consumer (over all workers).</summary>
    public int Prefetch { get; }

    /// <summary>Whether each epoch visits the files in a seeded random order.</summary>
    public bool Shuffle => _plan.Shuffle;

    /// <summary>Whether the last incomplete batch of an epoch is dropped.</summary>
    public bool DropLast => _plan.DropLast;

    /// <summary>Worker threads busy with an epoch now (0 when no epoch is being enumerated); for tests and diagnostics.</summary>
    public int ActiveWorkers => Volatile.Read(ref _activeWorkers);

    /// <summary>Worker threads alive: <see cref="Workers"/> from the first threaded epoch until <see cref="Dispose"/>, 0 before and after.</summary>
    public int LiveThreads
    {
        get
        {
            lock (_gate) return _threads?.Count(t => t.IsAlive) ?? 0;
        }
    }

    /// <summary>The files found unreadable so far (skipped and replaced), with the reason.</summary>
    public IReadOnlyDictionary<string, string> Unreadable => _unreadable.ToDictionary(kv => Files.Files[kv.Key], kv => kv.Value);

    /// <summary>This process's index among <see cref="ShardCount"/> (as <see cref="Loader.ShardIndex"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative value.</exception>
    public int ShardIndex
    {
        get => _plan.ShardIndex;
        init => _plan = _plan with { ShardIndex = value };
    }

    /// <summary>Processes sharing each global batch (as <see cref="Loader.ShardCount"/>); 1 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value below 1.</exception>
    public int ShardCount
    {
        get => _plan.ShardCount;
        init => _plan = _plan with { ShardCount = value };
    }

    /// <summary>Number of files, <c>N</c>.</summary>
    public long Count => Files.Files.Count;

    /// <inheritdoc />
    public long BatchesPerEpoch => _plan.BatchesPerEpoch;

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the files: <see cref="Loader.EpochOrder"/>'s for the same count and seed.</summary>
    public long[] EpochOrder(int epoch) => _plan.EpochOrder(epoch);

    /// <inheritdoc />
    public IEnumerable<ViewBatch> Epoch(int epoch, long skipBatches = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        _plan.CheckEpochStart(epoch, skipBatches);
        return Workers == 0 ? Synchronous(epoch, skipBatches) : Threaded(epoch, skipBatches);
    }

    /// <summary>
    /// Stops the workers of an epoch being enumerated (after their current batch), ends and joins the worker threads;
    /// the loader cannot start another epoch.
    /// </summary>
    public void Dispose()
    {
        Thread[]? threads;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested) return;
            _disposed.Cancel();
            foreach (var inbox in _inboxes ?? []) inbox.CompleteAdding();
            threads = _threads;
        }
        foreach (var t in threads ?? [])
            if (t != Thread.CurrentThread) t.Join();
    }

    private IEnumerable<ViewBatch> Synchronous(int epoch, long start)
    {
        var order = EpochOrder(epoch);
        int known = _unreadable.Count;
        for (long b = start; b < BatchesPerEpoch; b++)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            yield return MakeBatch(epoch, order, b);
        }
        ReportCount(known);
    }

    private IEnumerable<ViewBatch> Threaded(int epoch, long start)
    {
        var order = EpochOrder(epoch);
        int known = _unreadable.Count;
        long end = BatchesPerEpoch;
        int workers = (int)Math.Min(Workers, Math.Max(1, end - start));
        int capacity = (Prefetch + workers - 1) / workers;
        var inboxes = StartThreads();   // before the job exists: a loader disposed by now throws with nothing to wait for
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        var job = new EpochJob(epoch, order, start, end, workers, capacity, stop.Token);
        try
        {
            for (int w = 0; w < workers; w++)
            {
                try
                {
                    inboxes[w].Add(job);
                }
                catch (InvalidOperationException)
                {
                    for (int left = w; left < workers; left++)
                    {
                        job.Queues[left].CompleteAdding();
                        job.Done.Signal();
                    }
                    throw new ObjectDisposedException(nameof(StreamingLoader), "The streaming loader was disposed as an epoch started.");
                }
            }
            for (long b = start; b < end; b++)
            {
                int w = (int)((b - start) % workers);
                ViewBatch? batch;
                try
                {
                    if (!job.Queues[w].TryTake(out batch, Timeout.Infinite, stop.Token)) batch = null;
                }
                catch (OperationCanceledException)
                {
                    throw new ObjectDisposedException(nameof(StreamingLoader), "The streaming loader was disposed during an epoch.");
                }
                if (batch is null)
                {
                    job.Done.Wait();
                    job.Failures[w]?.Throw();
                    throw new InvalidOperationException($"Worker {w} of the streaming loader stopped before batch {b} of epoch {epoch} without an error.");
                }
                yield return batch;
            }
            ReportCount(known);
        }
        finally
        {
            // Normal end, an exception, the consumer leaving early, or Dispose: stop the job, wait for the workers to
            // leave it, free what they made. The threads stay for the next epoch (a new thread per epoch costs memory).
            stop.Cancel();
            job.Done.Wait();
            foreach (var q in job.Queues)
            {
                while (q.TryTake(out var left)) left.Dispose();
                q.Dispose();
            }
            job.Done.Dispose();
        }
    }

    /// <summary>The inboxes of the worker threads, starting the threads on first use.</summary>
    private BlockingCollection<EpochJob>[] StartThreads()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_inboxes is not null) return _inboxes;
            _inboxes = new BlockingCollection<EpochJob>[Workers];
            _threads = new Thread[Workers];
            for (int w = 0; w < Workers; w++)
            {
                _inboxes[w] = new BlockingCollection<EpochJob>();
                int id = w;
                _threads[w] = new Thread(() => WorkerLoop(id, _inboxes[id])) { IsBackground = true, Name = $"sslsharp-stream-{id}" };
                _threads[w].Start();
            }
            return _inboxes;
        }
    }

    private void WorkerLoop(int id, BlockingCollection<EpochJob> inbox)
    {
        foreach (var job in inbox.GetConsumingEnumerable())
        {
            Interlocked.Increment(ref _activeWorkers);
            try
            {
                Work(id, job);
            }
            finally
            {
                job.Queues[id].CompleteAdding();
                Interlocked.Decrement(ref _activeWorkers);
                job.Done.Signal();
            }
        }
    }

    private void Work(int id, EpochJob job)
    {
        try
        {
            for (long b = job.Start + id; b < job.End && !job.Stop.IsCancellationRequested; b += job.Workers)
            {
                var batch = MakeBatch(job.Epoch, job.Order, b);
                try
                {
                    job.Queues[id].Add(batch, job.Stop);
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
            job.Failures[id] = ExceptionDispatchInfo.Capture(e);
        }
    }

    /// <summary>One epoch's work for the worker threads: which batches, where to put them, when to stop.</summary>
    private sealed class EpochJob(int epoch, long[] order, long start, long end, int workers, int capacity, CancellationToken stop)
    {
        public int Epoch { get; } = epoch;
        public long[] Order { get; } = order;
        public long Start { get; } = start;
        public long End { get; } = end;
        public int Workers { get; } = workers;
        public CancellationToken Stop { get; } = stop;
        public BlockingCollection<ViewBatch>[] Queues { get; } = Enumerable.Range(0, workers).Select(_ => new BlockingCollection<ViewBatch>(capacity)).ToArray();
        public ExceptionDispatchInfo?[] Failures { get; } = new ExceptionDispatchInfo?[workers];
        public CountdownEvent Done { get; } = new(workers);
    }

    private void ReportCount(int knownBefore)
    {
        int now = _unreadable.Count;
        if (now > knownBefore)
            _warn($"{now} of {Count} image files in '{Files.Root}' could not be read and were skipped (each replaced by another file of the epoch; --strict stops at the first).");
    }

    private ViewBatch MakeBatch(int epoch, long[] order, long batchIndex)
    {
        var (slot, first, count) = _plan.Batch(batchIndex, order.LongLength);
        int s = Options.ImageSize, c = Options.Channels, perImage = c * s * s;
        var pixels = new byte[(long)count * perImage];
        var indices = new long[count];
        var labels = new long[count];
        for (int j = 0; j < count; j++)
        {
            long file = Decode(order[first + j], pixels.AsSpan(j * perImage, perImage), epoch, first + j);
            indices[j] = file;
            labels[j] = Files.Labels[(int)file];
        }

        return _plan.CreateViews(Views, epoch, batchIndex, slot, indices,
            () => (torch.tensor(pixels, new long[] { count, c, s, s }), torch.tensor(labels, ScalarType.Int64)));
    }

    /// <summary>
    /// Decodes file <paramref name="index"/> into <paramref name="destination"/>; when it is unreadable, warns (once per
    /// file) and decodes a replacement drawn from (seed, epoch, position, attempt) instead. Returns the file decoded.
    /// </summary>
    private long Decode(long index, Span<byte> destination, int epoch, long position)
    {
        for (long attempt = 0; attempt <= Math.Max(64, Count); attempt++)
        {
            int file = (int)index;
            string? error = _unreadable.TryGetValue(file, out var known) ? known
                : ImageFolder.TryDecode(Decoder, Files.Files[file], Options.ImageSize, Options.Channels, destination);
            if (error is null) return index;
            if (Options.Strict)
                throw new InvalidDataException(ImageFolder.StrictMessage(Files.Files[file], error));
            if (_unreadable.TryAdd(file, error)) _warn(ImageFolder.SkippedMessage(Files.Files[file], error));
            if (_unreadable.Count >= Count)
                throw new InvalidDataException($"None of the {Count} image files in '{Files.Root}' could be read (first: '{Files.Files[file]}').");
            index = (long)(SplitMix64.Mix(Seed, ReplaceStream, epoch, position, attempt) % (ulong)Count);
        }
        throw new InvalidDataException($"No readable replacement found for an unreadable file of '{Files.Root}' after {Math.Max(64, Count)} draws; most files are unreadable.");
    }
}
