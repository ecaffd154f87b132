using SslSharp.Core;
using SslSharp.Data;

namespace SslSharp.Tests.Data;

public class SplitMix64Tests
{
    [Fact]
    public void Matches_the_reference_sequence_for_seed_zero()
    {
        // Vigna's splitmix64.c with x = 0 (checked with an independent Python transcription).
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void Permutation_holds_each_index_once_and_depends_on_the_seed()
    {
        var p = SplitMix64.Permutation(1000, 1);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), p.Order());
        Assert.Equal(p, SplitMix64.Permutation(1000, 1));
        Assert.NotEqual(p, SplitMix64.Permutation(1000, 2));
        Assert.NotEqual(Enumerable.Range(0, 1000).Select(i => (long)i), p);
    }

    [Fact]
    public void Permutation_is_roughly_uniform()
    {
        // Where does element 0 land, over many seeds? Each of 4 slots about 1/4 of the time.
        var counts = new int[4];
        for (ulong s = 0; s < 4000; s++) counts[Array.IndexOf(SplitMix64.Permutation(4, s), 0L)]++;
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void Mix_separates_coordinates_and_order()
    {
        var seen = new HashSet<ulong>();
        for (long e = 0; e < 50; e++)
            for (long b = 0; b < 50; b++)
                Assert.True(seen.Add(SplitMix64.Mix(7, e, b)));
        Assert.NotEqual(SplitMix64.Mix(7, 1, 2), SplitMix64.Mix(7, 2, 1));
        Assert.NotEqual(SplitMix64.Mix(7, 1), SplitMix64.Mix(8, 1));
        Assert.Equal(SplitMix64.Mix(7, 1, 2), SplitMix64.Mix(7, 1, 2));
    }

    [Fact]
    public void NextBelow_stays_below_the_bound()
    {
        var rng = new SplitMix64(3);
        for (int i = 0; i < 1000; i++) Assert.InRange(rng.NextBelow(7), 0UL, 6UL);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextBelow(0));
    }
}
