using SslSharp.Modules.Masking;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Modules.Masking;

public sealed class TokenIndexTests
{
    [Theory]
    [InlineData(16, 0.75, 4)]
    [InlineData(196, 0.75, 49)]
    [InlineData(10, 0.9, 1)]   // 10 * (1 - 0.9) = 0.9999999999999998 in floating point: still 1
    [InlineData(10, 0.65, 3)]  // MAE's int(): rounds down
    [InlineData(4, 0.5, 2)]
    public void Keep_count_is_L_times_one_minus_the_ratio_rounded_down(int tokens, double ratio, int keep)
    {
        Assert.Equal(keep, TokenIndex.KeepCount(tokens, ratio));
        using var g = new Generator(1);
        using var m = TokenIndex.RandomMasking(3, tokens, ratio, g);
        Assert.Equal(new long[] { 3, keep }, m.Keep.shape);
        Assert.Equal(new long[] { 3, tokens - keep }, m.Masked.shape);
        Assert.Equal(new long[] { 3, tokens }, m.Restore.shape);
        Assert.Equal(new long[] { 3, tokens }, m.Mask.shape);
        Assert.Equal(ScalarType.Int64, m.Keep.dtype);
        Assert.Equal(ScalarType.Float32, m.Mask.dtype);
        // Per image: exactly L - K masked, and the mask is 0 exactly at the kept indices.
        Assert.Equal(Enumerable.Repeat((double)(tokens - keep), 3), m.Mask.sum(1).data<float>().Select(v => (double)v));
        Assert.Equal(0f, m.Mask.gather(1, m.Keep).abs().max().ToSingle());
        Assert.Equal(1f, m.Mask.gather(1, m.Masked).min().ToSingle());
        // Keep and Masked together are a permutation of 0..L-1 per image.
        var all = torch.cat(new[] { m.Keep, m.Masked }, 1).sort(1).Values;
        Assert.True(all.Same(torch.arange(tokens).expand(3, tokens)));
    }

    [Theory]
    [InlineData(4, 0.8, "leaves no visible token")]      // int(4 * 0.2) = 0
    [InlineData(196, 0.999, "leaves no visible token")]  // int(0.196) = 0
    [InlineData(4, 1e-12, "masks no token")]             // int(3.999999999996 + 1e-9) = 4
    [InlineData(4, 0.0, "must be in (0, 1)")]
    [InlineData(4, 1.0, "must be in (0, 1)")]
    [InlineData(4, double.NaN, "must be in (0, 1)")]
    [InlineData(1, 0.5, "at least 2 tokens")]
    public void A_ratio_that_leaves_no_visible_or_no_masked_token_fails_with_a_clear_message(int tokens, double ratio, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TokenIndex.KeepCount(tokens, ratio));
        Assert.Contains(message, e.Message);
        using var g = new Generator(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenIndex.RandomMasking(2, tokens, ratio, g));
    }

    [Fact]
    public void The_same_seed_gives_the_same_masks_and_the_global_generator_is_not_touched()
    {
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var g3 = new Generator(43);
        using var before = torch.get_rng_state();
        using var a = TokenIndex.RandomMasking(5, 16, 0.75, g1);
        using var b = TokenIndex.RandomMasking(5, 16, 0.75, g2);
        using var c = TokenIndex.RandomMasking(5, 16, 0.75, g3);
        using var after = torch.get_rng_state();
        Assert.True(a.Keep.Same(b.Keep) && a.Masked.Same(b.Masked) && a.Restore.Same(b.Restore) && a.Mask.Same(b.Mask));
        Assert.False(a.Keep.Same(c.Keep));
        Assert.True(before.Same(after));
        // Images get different masks (per-sample draws, never one for the whole batch).
        Assert.False(a.Mask[0].Same(a.Mask[1]) && a.Mask[1].Same(a.Mask[2]) && a.Mask[2].Same(a.Mask[3]));
    }

    [Fact]
    public void Gather_picks_the_indexed_tokens_of_each_image()
    {
        var tokens = torch.arange(2 * 4 * 3, dtype: ScalarType.Float32).reshape(2, 4, 3);
        var idx = torch.tensor(new long[] { 3, 0, 1, 1 }, new long[] { 2, 2 });
        var got = TokenIndex.Gather(tokens, idx);
        Assert.Equal(new long[] { 2, 2, 3 }, got.shape);
        Assert.True(got[0, 0].Same(tokens[0, 3]));
        Assert.True(got[0, 1].Same(tokens[0, 0]));
        Assert.True(got[1, 0].Same(tokens[1, 1]));
        Assert.True(got[1, 1].Same(tokens[1, 1]));
    }

    [Fact]
    public void Restore_of_the_gathered_visible_and_masked_tokens_gives_the_sequence_back()
    {
        using var g = new Generator(7);
        var x = torch.randn(new long[] { 3, 16, 5 }, generator: g);
        using var m = TokenIndex.RandomMasking(3, 16, 0.75, g);
        var visible = TokenIndex.Gather(x, m.Keep);
        Assert.Equal(new long[] { 3, 4, 5 }, visible.shape);
        var back = TokenIndex.Restore(visible, TokenIndex.Gather(x, m.Masked), m.Restore);
        Assert.True(back.Same(x));
        // Shuffle order is undone by Restore: the shuffle gathered with Restore is 0..L-1.
        var shuffle = torch.cat(new[] { m.Keep, m.Masked }, 1);
        Assert.True(shuffle.gather(1, m.Restore).Same(torch.arange(16).expand(3, 16)));
    }

    [Fact]
    public void Restore_with_one_mask_token_puts_it_at_every_masked_position_and_passes_gradients()
    {
        using var g = new Generator(3);
        var x = torch.randn(new long[] { 2, 8, 4 }, generator: g).requires_grad_(true);
        var maskToken = torch.full(new long[] { 1, 1, 4 }, 9f).requires_grad_(true);
        using var m = TokenIndex.RandomMasking(2, 8, 0.5, g);
        var full = TokenIndex.Restore(TokenIndex.Gather(x, m.Keep), maskToken, m.Restore);
        var isMasked = m.Mask.unsqueeze(-1).expand(-1, -1, 4).to_type(ScalarType.Bool);
        Assert.True(full.masked_select(isMasked).eq(9f).all().ToBoolean());
        Assert.True(full.masked_select(isMasked.logical_not()).Same(x.masked_select(isMasked.logical_not())));
        full.sum().backward();
        Assert.True(maskToken.grad!.Same(torch.full(new long[] { 1, 1, 4 }, 8f))); // 4 masked tokens x 2 images
        Assert.True(x.grad!.Same(1 - m.Mask.unsqueeze(-1).expand(-1, -1, 4)));
    }

    [Fact]
    public void Wrong_shapes_fail_with_a_message_that_names_the_expected_shape()
    {
        var x = torch.zeros(2, 8, 4);
        var e1 = Assert.Throws<ArgumentException>(() => TokenIndex.Gather(torch.zeros(2, 8), torch.zeros(2, 3, dtype: ScalarType.Int64)));
        Assert.Contains("[N, L, D]", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => TokenIndex.Gather(x, torch.zeros(3, 3, dtype: ScalarType.Int64)));
        Assert.Contains("[2, K]", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => TokenIndex.Gather(x, torch.zeros(2, 3, dtype: ScalarType.Int32)));
        Assert.Contains("int64", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() =>
            TokenIndex.Restore(torch.zeros(2, 3, 4), torch.zeros(2, 4, 4), torch.zeros(2, 8, dtype: ScalarType.Int64)));
        Assert.Contains("[2, 5, 4]", e4.Message);
    }
}
