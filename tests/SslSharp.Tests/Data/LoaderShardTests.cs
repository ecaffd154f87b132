using SslSharp.Data;
using SslSharp.Methods;
using TorchSharp;

namespace SslSharp.Tests.Data;

/// <summary>
/// The loader shared by several processes (<see cref="Loader.ShardIndex"/> of <see cref="Loader.ShardCount"/>): each
/// process gets a disjoint block of every global batch, together exactly the global batch of one process with
/// <c>B x S</c>, reshuffled every epoch.
/// </summary>
public class LoaderShardTests
{
    private static List<long[]> Indices(Loader loader, int epoch) =>
        loader.Epoch(epoch).Select(b => { using (b) return b.Indices!.data<long>().ToArray(); }).ToList();

    [Fact]
    public void Two_shards_split_every_global_batch_into_disjoint_halves()
    {
        using var data = LoaderTests.Synthetic(50);
        var whole = new Loader(data, 8, new StandInViewGenerator(), seed: 3, prefetch: 0);
        var shards = Enumerable.Range(0, 2)
            .Select(r => new Loader(data, 4, new StandInViewGenerator(), seed: 3, prefetch: 0) { ShardIndex = r, ShardCount = 2 }).ToArray();
        Assert.All(shards, s => Assert.Equal(whole.BatchesPerEpoch, s.BatchesPerEpoch));   // floor(50 / 8) = 6
        foreach (int epoch in new[] { 0, 1 })
        {
            var global = Indices(whole, epoch);
            var parts = shards.Select(s => Indices(s, epoch)).ToArray();
            for (int b = 0; b < global.Count; b++)
            {
                Assert.Empty(parts[0][b].Intersect(parts[1][b]));
                Assert.Equal(global[b], parts[0][b].Concat(parts[1][b]));   // rank 0's block first
            }
        }
        Assert.NotEqual(Indices(shards[0], 0)[0], Indices(shards[0], 1)[0]);   // reshuffled every epoch
    }

    [Fact]
    public void Bad_shards_fail_with_clear_messages()
    {
        using var data = LoaderTests.Synthetic(20);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Loader(data, 4, new StandInViewGenerator(), seed: 1) { ShardCount = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Loader(data, 4, new StandInViewGenerator(), seed: 1) { ShardIndex = -1 });
        var outside = new Loader(data, 4, new StandInViewGenerator(), seed: 1) { ShardIndex = 2, ShardCount = 2 };
        Assert.Contains("shard index 2", Assert.Throws<InvalidOperationException>(() => outside.Epoch(0).First()).Message);
        var partial = new Loader(data, 4, new StandInViewGenerator(), seed: 1, dropLast: false) { ShardIndex = 0, ShardCount = 2 };
        Assert.Contains("drop the last", Assert.Throws<InvalidOperationException>(() => partial.Epoch(0).First()).Message);
    }
}
