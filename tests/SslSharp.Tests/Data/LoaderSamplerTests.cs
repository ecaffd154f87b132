using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Data;

/// <summary>The loader's pluggable <see cref="IIndexSampler"/> and the indices it puts on every batch.</summary>
public class LoaderSamplerTests
{
    /// <summary>A sampler that visits the images in reverse order, shifted by the epoch.</summary>
    private sealed class ReverseSampler : IIndexSampler
    {
        public int Calls;

        public long[] EpochOrder(int epoch, long count)
        {
            Calls++;
            return Enumerable.Range(0, (int)count).Select(i => (count - 1 - i + epoch) % count).ToArray();
        }
    }

    private sealed class FixedSampler(long[] order) : IIndexSampler
    {
        public long[] EpochOrder(int epoch, long count) => order;
    }

    private static List<(long[] Indices, float[] View0, long[] Labels)> All(Loader loader, int epoch, long skip = 0) =>
        loader.Epoch(epoch, skip).Select(b =>
        {
            using (b) return (b.Indices!.data<long>().ToArray(), b.Views[0].data<float>().ToArray(), b.Labels!.data<long>().ToArray());
        }).ToList();

    [Fact]
    public void Every_batch_carries_the_dataset_indices_of_its_images()
    {
        using var data = LoaderTests.Synthetic(50);
        var loader = new Loader(data, 8, new StandInViewGenerator(), seed: 3);
        var order = loader.EpochOrder(1);
        var batches = All(loader, 1);
        for (int b = 0; b < batches.Count; b++)
        {
            Assert.Equal(order.Skip(8 * b).Take(8), batches[b].Indices);
            Assert.Equal(batches[b].Indices.Select(i => i % 10), batches[b].Labels);
            // pixel [0,0] of view 0 identifies the image (see LoaderTests.Synthetic)
            Assert.Equal(batches[b].Indices.Select(i => i % 256), Enumerable.Range(0, 8).Select(k => (long)Math.Round(batches[b].View0[k * 16] * 255)));
        }
    }

    [Fact]
    public void A_sampler_decides_the_order_of_each_epoch_with_prefetch_or_without()
    {
        using var data = LoaderTests.Synthetic(40);
        var sampler = new ReverseSampler();
        var threaded = new Loader(data, 8, new StandInViewGenerator(), seed: 3) { Sampler = sampler };
        var inline = new Loader(data, 8, new StandInViewGenerator(), seed: 3, prefetch: 0) { Sampler = new ReverseSampler() };
        var expected = sampler.EpochOrder(2, 40);
        Assert.Equal(expected, threaded.EpochOrder(2));
        var a = All(threaded, 2);
        var b = All(inline, 2);
        Assert.Equal(expected, a.SelectMany(x => x.Indices));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Indices, b[i].Indices);
            Assert.Equal(a[i].View0, b[i].View0);
        }
        // Resuming mid-epoch gives the same later batches.
        var resumed = All(threaded, 2, skip: 3);
        Assert.Equal(a.Skip(3).SelectMany(x => x.Indices), resumed.SelectMany(x => x.Indices));
        Assert.Equal(a.Skip(3).SelectMany(x => x.View0), resumed.SelectMany(x => x.View0));
        // Without a sampler: the seeded permutation again.
        threaded.Sampler = null;
        Assert.Equal(new Loader(data, 8, new StandInViewGenerator(), seed: 3).EpochOrder(2), threaded.EpochOrder(2));
    }

    [Fact]
    public void Repeated_indices_are_allowed()
    {
        using var data = LoaderTests.Synthetic(16);
        var order = Enumerable.Repeat(5L, 16).ToArray();
        var loader = new Loader(data, 4, new StandInViewGenerator(), seed: 1) { Sampler = new FixedSampler(order) };
        Assert.All(All(loader, 0).SelectMany(x => x.Indices), i => Assert.Equal(5L, i));
    }

    [Fact]
    public void A_bad_sampler_fails_with_a_clear_message()
    {
        using var data = LoaderTests.Synthetic(16);
        var shortOrder = new Loader(data, 4, new StandInViewGenerator(), seed: 1) { Sampler = new FixedSampler(new long[] { 0, 1, 2 }) };
        Assert.Contains("exactly one per image (16)", Assert.Throws<InvalidOperationException>(() => All(shortOrder, 0)).Message);
        var outside = new Loader(data, 4, new StandInViewGenerator(), seed: 1) { Sampler = new FixedSampler(Enumerable.Repeat(16L, 16).ToArray()) };
        Assert.Contains("outside [0, 16)", Assert.Throws<InvalidOperationException>(() => outside.EpochOrder(0)).Message);
    }

    [Fact]
    public void ViewBatch_indices_are_optional_checked_and_travel_with_the_batch()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.zeros(3, 1, 2, 2);
        using var plain = new ViewBatch(new[] { x });
        Assert.Null(plain.Indices);
        Assert.Contains("int64 [3]", Assert.Throws<ArgumentException>(() => new ViewBatch(new[] { x }, indices: torch.zeros(4, ScalarType.Int64))).Message);
        Assert.Throws<ArgumentException>(() => new ViewBatch(new[] { x }, indices: torch.zeros(3)));
        var withIndices = new ViewBatch(new[] { x }, indices: torch.tensor(new long[] { 4, 5, 6 }));
        var moved = withIndices.To(torch.CPU);
        Assert.Equal(new long[] { 4, 5, 6 }, moved.Indices!.data<long>().ToArray());
    }
}
