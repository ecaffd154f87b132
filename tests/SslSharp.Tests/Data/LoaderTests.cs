using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Data;

public class LoaderTests
{
    private static readonly string[] Classes = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray();

    /// <summary>n images 1x4x4 of varied pixels; label = index mod 10; pixel [0,0] = index mod 256.</summary>
    internal static ImageDataset Synthetic(int n, int side = 4)
    {
        using var scope = torch.NewDisposeScope();
        var g = new torch.Generator(11, torch.CPU);
        var images = torch.randint(0, 256, new long[] { n, 1, side, side }, ScalarType.Byte, generator: g);
        images[.., 0, 0, 0] = torch.arange(n, ScalarType.Int64).remainder(256).to_type(ScalarType.Byte);
        var labels = torch.arange(n, ScalarType.Int64).remainder(10);
        g.Dispose();
        return new ImageDataset(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), "synthetic", Classes);
    }

    /// <summary>Everything a batch holds, as plain arrays (then disposes the batch).</summary>
    private static (float[][] Views, long[] Labels) Consume(ViewBatch b)
    {
        using (b) return (b.Views.Select(v => v.data<float>().ToArray()).ToArray(), b.Labels!.data<long>().ToArray());
    }

    private static List<(float[][] Views, long[] Labels)> All(Loader loader, int epoch, long skip = 0) =>
        loader.Epoch(epoch, skip).Select(Consume).ToList();

    private static void AssertSame(List<(float[][] Views, long[] Labels)> a, List<(float[][] Views, long[] Labels)> b)
    {
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Labels, b[i].Labels);
            Assert.Equal(a[i].Views.Length, b[i].Views.Length);
            for (int v = 0; v < a[i].Views.Length; v++) Assert.Equal(a[i].Views[v], b[i].Views[v]);
        }
    }

    [Fact]
    public void Yields_every_batch_in_epoch_order_with_labels()
    {
        using var data = Synthetic(50);
        var loader = new Loader(data, 8, new StandInViewGenerator(), seed: 3);

        var batches = All(loader, epoch: 0);
        var order = loader.EpochOrder(0);

        Assert.Equal(6, loader.BatchesPerEpoch); // floor(50 / 8), last 2 dropped
        Assert.Equal(6, batches.Count);
        for (int b = 0; b < 6; b++)
        {
            var expected = order.Skip(8 * b).Take(8).ToArray();
            Assert.Equal(expected.Select(i => i % 10), batches[b].Labels);
            // View 0 is the unflipped image / 255: its pixel [0,0] identifies the image.
            var ids = Enumerable.Range(0, 8).Select(k => (long)Math.Round(batches[b].Views[0][k * 16] * 255)).ToArray();
            Assert.Equal(expected.Select(i => i % 256), ids);
        }
        Assert.Equal(48, order.Take(48).Distinct().Count());
    }

    [Fact]
    public void Without_shuffle_visits_in_data_set_order_and_keeps_the_last_partial_batch()
    {
        using var data = Synthetic(10);
        var loader = new Loader(data, 4, new StandInViewGenerator(), seed: 0, shuffle: false, dropLast: false);

        var batches = All(loader, 0);

        Assert.Equal(3, loader.BatchesPerEpoch);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, batches[0].Labels);
        Assert.Equal(new long[] { 8, 9 }, batches[2].Labels);
    }

    [Fact]
    public void Same_seed_gives_the_same_epoch_and_prefetch_does_not_change_it()
    {
        using var data = Synthetic(40);
        var sync = All(new Loader(data, 8, new StandInViewGenerator(), seed: 9, prefetch: 0), 2);
        var pre1 = All(new Loader(data, 8, new StandInViewGenerator(), seed: 9, prefetch: 1), 2);
        var pre3 = All(new Loader(data, 8, new StandInViewGenerator(), seed: 9, prefetch: 3), 2);

        AssertSame(sync, pre1);
        AssertSame(sync, pre3);
        // The augmentation really is random: some image is flipped in view 1 and some is not.
        Assert.Contains(sync, b => !b.Views[0].SequenceEqual(b.Views[1]));
        // Each batch draws from its own generator: the flip patterns are not all the same.
        var patterns = sync.Select(b => string.Concat(Enumerable.Range(0, 8).Select(
            k => b.Views[0].AsSpan(16 * k, 16).SequenceEqual(b.Views[1].AsSpan(16 * k, 16)) ? '.' : 'F'))).ToList();
        Assert.True(patterns.Distinct().Count() > 1, $"every batch flipped the same images: {string.Join(" ", patterns)}");
    }

    [Fact]
    public void Epochs_and_seeds_differ()
    {
        using var data = Synthetic(40);
        var loader = new Loader(data, 8, new StandInViewGenerator(), seed: 9);
        var other = new Loader(data, 8, new StandInViewGenerator(), seed: 10);

        Assert.NotEqual(loader.EpochOrder(0), loader.EpochOrder(1));
        Assert.NotEqual(loader.EpochOrder(0), other.EpochOrder(0));
        Assert.NotEqual(All(loader, 0)[0].Labels, All(loader, 1)[0].Labels);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Resuming_at_batch_k_gives_the_same_batches_as_running_through(int prefetch)
    {
        using var data = Synthetic(64);
        var loader = new Loader(data, 8, new StandInViewGenerator(), seed: 5, prefetch: prefetch);

        var full = All(loader, 4);
        var resumed = All(loader, 4, skip: 5);
        var none = All(loader, 4, skip: 8);

        AssertSame(full.Skip(5).ToList(), resumed);
        Assert.Empty(none);
        using var single = loader.CreateBatch(4, 6);
        AssertSame(full.Skip(6).Take(1).ToList(), new() { Consume(single) });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Worker_exception_reaches_the_consumer_after_the_earlier_batches(int prefetch)
    {
        using var data = Synthetic(64);
        var views = new StandInViewGenerator { FailOnCall = 3 };
        var loader = new Loader(data, 8, views, seed: 5, prefetch: prefetch);
        int received = 0;

        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var b in loader.Epoch(0))
            {
                b.Dispose();
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Contains("failed on call 3", e.Message);
        Assert.All(views.Created, t => Assert.True(t.IsInvalid));
    }

    [Fact]
    public void Breaking_early_stops_the_worker_and_disposes_the_prefetched_batches()
    {
        using var data = Synthetic(200);
        var views = new StandInViewGenerator();
        var loader = new Loader(data, 4, views, seed: 1, prefetch: 3);

        int taken = 0;
        foreach (var b in loader.Epoch(0))
        {
            b.Dispose();
            if (++taken == 2) break;
        }
        int callsAtBreak = views.Calls;
        Thread.Sleep(200);

        Assert.Equal(callsAtBreak, views.Calls);      // the worker is gone
        Assert.True(callsAtBreak < loader.BatchesPerEpoch);
        Assert.True(views.Created.Count >= 4);
        Assert.All(views.Created, t => Assert.True(t.IsInvalid)); // nothing left alive
    }

    [Fact]
    public void Prefetch_runs_ahead_by_at_most_the_queue_size()
    {
        using var data = Synthetic(200);
        var views = new StandInViewGenerator();
        var loader = new Loader(data, 4, views, seed: 1, prefetch: 2);

        using var e = loader.Epoch(0).GetEnumerator();
        Assert.True(e.MoveNext());
        using (e.Current)
        {
            // 1 handed out + 2 queued + 1 made and waiting for room.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (views.Calls < 4 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Thread.Sleep(100);
            Assert.Equal(4, views.Calls);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Batches_belong_to_the_caller_not_to_any_dispose_scope(int prefetch)
    {
        using var data = Synthetic(32);
        var loader = new Loader(data, 8, new StandInViewGenerator(), seed: 1, prefetch: prefetch);
        ViewBatch? kept = null;

        using (torch.NewDisposeScope())
        {
            foreach (var b in loader.Epoch(0))
            {
                kept = b;
                break;
            }
        }

        Assert.NotNull(kept);
        Assert.False(kept!.Views[0].IsInvalid);
        Assert.False(kept.Labels!.IsInvalid);
        Assert.Equal(8, kept.Views[1].shape[0]);
        kept.Dispose();
        Assert.True(kept.Views[0].IsInvalid);
    }

    [Fact]
    public void Labels_are_attached_even_if_the_generator_drops_them()
    {
        using var data = Synthetic(16);
        var loader = new Loader(data, 8, new LabelDroppingViews(), seed: 1, shuffle: false);

        var batches = All(loader, 0);

        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 }, batches[0].Labels);
    }

    [Fact]
    public void Bad_arguments_fail_fast()
    {
        using var data = Synthetic(10);
        var views = new StandInViewGenerator();
        Assert.Throws<ArgumentOutOfRangeException>(() => new Loader(data, 0, views, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Loader(data, 4, views, 1, prefetch: -1));
        var e = Assert.Throws<ArgumentException>(() => new Loader(data, 11, views, 1));
        Assert.Contains("fewer than one batch", e.Message);
        var loader = new Loader(data, 4, views, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.Epoch(0, skipBatches: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.Epoch(-1));
        Assert.Equal(0, views.Calls); // nothing ran
    }

    private sealed class LabelDroppingViews : SslSharp.Augment.IViewGenerator
    {
        public ViewBatch CreateViews(Tensor images, Tensor? labels, Generator generator) =>
            new(new[] { images.to_type(ScalarType.Float32) });
    }
}
