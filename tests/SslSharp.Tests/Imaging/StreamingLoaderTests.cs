using SkiaSharp;
using SslSharp.Augment.Presets;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Imaging;
using SslSharp.Tests.Data;

namespace SslSharp.Tests.Imaging;

/// <summary>
/// <see cref="StreamingLoader"/> on folders of PNG files written here: the same batches whatever the worker count and
/// as the in-memory <see cref="Loader"/>, unreadable files skipped like the in-memory folder skips them, clean stops.
/// </summary>
public class StreamingLoaderTests
{
    private static readonly SkiaImageDecoder Decoder = SkiaImageDecoder.Instance;
    private static readonly ImageFolderOptions Options = new(ImageSize: 16);

    /// <summary>Two classes of <paramref name="perClass"/> PNGs each, every image a different seeded pattern.</summary>
    private static void WriteFolder(string root, int perClass)
    {
        var rng = new Random(7);
        foreach (var cls in new[] { "a", "b" })
            for (int i = 0; i < perClass; i++)
            {
                byte r = (byte)rng.Next(256), g = (byte)rng.Next(256), b = (byte)rng.Next(256);
                ImageFiles.Write(Path.Combine(root, cls, $"{i:D3}.png"), 20, 16, (x, y) => new SKColor((byte)(r + 7 * x), (byte)(g + 11 * y), (byte)(b ^ (x * y))));
            }
    }

    private static StreamingLoader Stream(ImageFolderListing listing, int workers, ImageFolderOptions? options = null, Action<string>? warn = null,
        int shardIndex = 0, int shardCount = 1) =>
        new(listing, Decoder, options ?? Options, batchSize: 8, new AugmentRecipe().Build(16, 3, ImageFolder.ColourMean, ImageFolder.ColourStd),
            seed: 11, workers: workers, prefetch: 3, warn: warn ?? (_ => { }))
        {
            ShardIndex = shardIndex,
            ShardCount = shardCount,
        };

    /// <summary>Every view, the labels and the indices of every batch of the epochs, copied out (and the batches disposed).</summary>
    private static List<TorchSharp.torch.Tensor[]> Collect(IBatchSource source, params int[] epochs)
    {
        var all = new List<TorchSharp.torch.Tensor[]>();
        foreach (int e in epochs)
            foreach (var batch in source.Epoch(e))
                using (batch)
                    all.Add(batch.Views.Select(v => v.clone()).Append(batch.Labels!.clone()).Append(batch.Indices!.clone()).ToArray());
        return all;
    }

    private static void AssertSame(List<TorchSharp.torch.Tensor[]> expected, List<TorchSharp.torch.Tensor[]> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int b = 0; b < expected.Count; b++)
            for (int t = 0; t < expected[b].Length; t++)
                Assert.True(expected[b][t].Same(actual[b][t]), $"{what}: batch {b}, tensor {t} differs");
    }

    [Fact]
    public void Batches_are_bit_equal_for_0_1_and_3_workers_and_equal_the_in_memory_loaders()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteFolder(dir.Path, 20);
        var listing = ImageFolder.List(dir.Path);
        using var data = ImageFolder.Read(listing, "folder", Decoder, Options, _ => { });
        var inMemory = new Loader(data, 8, new AugmentRecipe().Build(16, 3, ImageFolder.ColourMean, ImageFolder.ColourStd), seed: 11);
        var expected = Collect(inMemory, 0, 1);

        foreach (int workers in new[] { 0, 1, 3 })
        {
            using var stream = Stream(listing, workers);
            Assert.Equal(inMemory.BatchesPerEpoch, stream.BatchesPerEpoch);
            AssertSame(expected, Collect(stream, 0, 1), $"{workers} workers");
        }
    }

    [Fact]
    public void Each_shard_gets_the_in_memory_loaders_shard()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteFolder(dir.Path, 16);
        var listing = ImageFolder.List(dir.Path);
        using var data = ImageFolder.Read(listing, "folder", Decoder, Options, _ => { });
        for (int rank = 0; rank < 2; rank++)
        {
            var inMemory = new Loader(data, 8, new AugmentRecipe().Build(16, 3, ImageFolder.ColourMean, ImageFolder.ColourStd), seed: 11)
            {
                ShardIndex = rank,
                ShardCount = 2,
            };
            using var stream = Stream(listing, 2, shardIndex: rank, shardCount: 2);
            Assert.Equal(2, stream.BatchesPerEpoch);
            AssertSame(Collect(inMemory, 0), Collect(stream, 0), $"rank {rank}");
        }
    }

    [Fact]
    public void The_order_is_a_new_permutation_every_epoch()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteFolder(dir.Path, 12);
        using var stream = Stream(ImageFolder.List(dir.Path), 2);

        long[] Order(int epoch) => stream.Epoch(epoch).SelectMany(b => { using (b) return b.Indices!.data<long>().ToArray(); }).ToArray();
        var first = Order(0);
        var second = Order(1);

        Assert.Equal(Enumerable.Range(0, 24).Select(i => (long)i), first.Order());
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (long)i), second.Order());
        Assert.NotEqual(first, second);
        Assert.Equal(first, Order(0));
    }

    [Fact]
    public void An_unreadable_file_is_skipped_with_the_folders_warning_and_replaced_the_same_way_for_any_worker_count()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteFolder(dir.Path, 12);
        var broken = ImageFiles.Write(Path.Combine(dir.Path, "a", "005.png"), 64, 64, (x, y) => new SKColor((byte)(x * 3), (byte)y, 9));
        File.WriteAllBytes(broken, File.ReadAllBytes(broken)[..100]);
        File.WriteAllBytes(Path.Combine(dir.Path, "b", "003.png"), []);
        var listing = ImageFolder.List(dir.Path);
        var inMemoryWarnings = new List<string>();
        using (ImageFolder.Read(listing, "folder", Decoder, Options, inMemoryWarnings.Add)) { }

        var results = new List<List<TorchSharp.torch.Tensor[]>>();
        foreach (int workers in new[] { 0, 3 })
        {
            var warnings = new List<string>();
            using var stream = Stream(listing, workers, warn: line => { lock (warnings) warnings.Add(line); });
            results.Add(Collect(stream, 0, 1));

            // The same per-file lines as the in-memory folder, once each, and a count at the end of the epoch.
            Assert.Equal(inMemoryWarnings.Where(w => w.StartsWith("skipped", StringComparison.Ordinal)).Order(),
                warnings.Where(w => w.StartsWith("skipped", StringComparison.Ordinal)).Order());
            Assert.Contains(warnings, w => w.StartsWith("2 of 24 image files", StringComparison.Ordinal));
            Assert.Equal(2, stream.Unreadable.Count);
            int bad1 = listing.Files.ToList().IndexOf(broken), bad2 = listing.Files.ToList().FindIndex(f => f.EndsWith("003.png", StringComparison.Ordinal) && f.Contains($"{Path.DirectorySeparatorChar}b{Path.DirectorySeparatorChar}"));
            foreach (var batch in results[^1])
            {
                Assert.Equal(8, batch[0].shape[0]);   // full batches: the bad files' places are taken by others
                Assert.DoesNotContain((long)bad1, batch[^1].data<long>().ToArray());
                Assert.DoesNotContain((long)bad2, batch[^1].data<long>().ToArray());
            }
        }
        AssertSame(results[0], results[1], "0 vs 3 workers with unreadable files");
    }

    [Fact]
    public void Strict_stops_at_the_first_unreadable_file_with_the_folders_message()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteFolder(dir.Path, 12);
        File.WriteAllBytes(Path.Combine(dir.Path, "b", "003.png"), []);
        var listing = ImageFolder.List(dir.Path);
        var inMemory = Assert.Throws<InvalidDataException>(() => ImageFolder.Read(listing, "f", Decoder, Options with { Strict = true }, _ => { }));

        foreach (int workers in new[] { 0, 2 })
        {
            using var stream = Stream(listing, workers, Options with { Strict = true });
            var e = Assert.Throws<InvalidDataException>(() => Collect(stream, 0));
            Assert.Equal(inMemory.Message, e.Message);
            Assert.Equal(0, stream.ActiveWorkers);
            Assert.Equal(workers, stream.LiveThreads);   // the loader keeps its threads until disposed
            Assert.Equal(inMemory.Message, Assert.Throws<InvalidDataException>(() => Collect(stream, 1)).Message);   // and serves another epoch
        }
    }

    [Fact]
    public void Leaving_an_epoch_early_or_disposing_the_loader_stops_and_joins_the_workers_and_frees_their_batches()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteFolder(dir.Path, 24);
        var listing = ImageFolder.List(dir.Path);
        var views = new StandInViewGenerator { Delay = TimeSpan.FromMilliseconds(20) };
        using (var stream = new StreamingLoader(listing, Decoder, Options, 4, views, seed: 3, workers: 3, prefetch: 3))
        {
            using (var e = stream.Epoch(0).GetEnumerator())
            {
                Assert.True(e.MoveNext());
                e.Current.Dispose();
                Assert.True(stream.ActiveWorkers > 0);
            }
            Assert.Equal(0, stream.ActiveWorkers);
            Assert.All(views.Created, t => Assert.True(t.IsInvalid));   // nothing made ahead is left alive
            Assert.Equal(3, stream.LiveThreads);   // kept for the next epoch
            using (var e = stream.Epoch(1).GetEnumerator())
            {
                Assert.True(e.MoveNext());
                e.Current.Dispose();
            }
            Assert.Equal(3, stream.LiveThreads);
            stream.Dispose();
            Assert.Equal(0, stream.LiveThreads);   // no thread outlives the loader
        }

        var slow = new StandInViewGenerator { Delay = TimeSpan.FromMilliseconds(200) };
        var loader = new StreamingLoader(listing, Decoder, Options, 4, slow, seed: 3, workers: 2, prefetch: 2);
        var enumerator = loader.Epoch(0).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        enumerator.Current.Dispose();
        loader.Dispose();   // from the training side, e.g. on cancellation: the next wait ends
        Assert.Throws<ObjectDisposedException>(() => { while (enumerator.MoveNext()) enumerator.Current.Dispose(); });
        enumerator.Dispose();
        Assert.Equal(0, loader.ActiveWorkers);
        Assert.Equal(0, loader.LiveThreads);
        Assert.All(slow.Created, t => Assert.True(t.IsInvalid));
        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(1));

        // Disposed between asking for an epoch and reading it: refused at once, nothing started or left waiting.
        var late = new StreamingLoader(listing, Decoder, Options, 4, new StandInViewGenerator(), seed: 3, workers: 2, prefetch: 2);
        using var unread = late.Epoch(0).GetEnumerator();
        late.Dispose();
        Assert.Throws<ObjectDisposedException>(() => unread.MoveNext());
        Assert.Equal(0, late.LiveThreads);
    }
}
