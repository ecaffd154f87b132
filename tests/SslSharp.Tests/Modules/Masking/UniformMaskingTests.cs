using SslSharp.Modules.Masking;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Modules.Masking;

public sealed class UniformMaskingTests
{
    [Theory]
    [InlineData(8, 8)]
    [InlineData(14, 14)]
    [InlineData(4, 6)]
    public void Every_2x2_block_keeps_exactly_one_patch_and_a_quarter_is_visible(int h, int w)
    {
        using var g = new Generator(5);
        using var m = UniformMasking.Sample(16, h, w, g);
        int tokens = h * w, keep = tokens / 4;
        Assert.Equal(new long[] { 16, keep }, m.Keep.shape);
        Assert.Equal(new long[] { 16, tokens - keep }, m.Masked.shape);
        // Visible count per image = L (1 - 0.75).
        Assert.True((1 - m.Mask).sum(1).Same(torch.full(16, (float)keep)));
        // One visible patch in every 2x2 block: [N, H/2, 2, W/2, 2] summed over the block's 2 x 2.
        var perBlock = (1 - m.Mask).reshape(16, h / 2, 2, w / 2, 2).sum(new long[] { 2, 4 });
        Assert.True(perBlock.eq(1f).all().ToBoolean());
        // A valid TokenMask: Keep and Masked ascending, the mask is 0 exactly at Keep, Restore inverts the order.
        Assert.True(m.Keep.Same(m.Keep.sort(1).Values) && m.Masked.Same(m.Masked.sort(1).Values));
        Assert.Equal(0f, m.Mask.gather(1, m.Keep).abs().max().ToSingle());
        Assert.Equal(1f, m.Mask.gather(1, m.Masked).min().ToSingle());
        Assert.True(torch.cat(new[] { m.Keep, m.Masked }, 1).gather(1, m.Restore).Same(torch.arange(tokens).expand(16, tokens)));
    }

    [Fact]
    public void The_kept_position_is_uniform_over_the_four_corners_of_a_block()
    {
        using var g = new Generator(11);
        using var m = UniformMasking.Sample(400, 8, 8, g);   // 400 x 16 blocks
        var visible = (1 - m.Mask).reshape(400, 4, 2, 4, 2).permute(0, 1, 3, 2, 4).reshape(-1, 4);   // [blocks, 4 corners]
        var share = visible.mean(new long[] { 0 });
        for (int i = 0; i < 4; i++)
            Assert.InRange(share[i].ToSingle(), 0.23f, 0.27f);   // 6400 blocks: 4 standard deviations of a 1/4 share
    }

    [Fact]
    public void The_same_seed_gives_the_same_masks_and_another_seed_other_masks()
    {
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var g3 = new Generator(43);
        using var a = UniformMasking.Sample(8, 8, 8, g1);
        using var b = UniformMasking.Sample(8, 8, 8, g2);
        using var c = UniformMasking.Sample(8, 8, 8, g3);
        Assert.True(a.Mask.Same(b.Mask) && a.Keep.Same(b.Keep) && a.Restore.Same(b.Restore));
        Assert.False(a.Mask.Same(c.Mask));
        Assert.False(a.Mask[0].Same(a.Mask[1]));   // per image, not one mask for the batch
    }

    [Fact]
    public void Secondary_masking_marks_a_fixed_share_of_the_visible_tokens_per_image()
    {
        using var g = new Generator(3);
        using var m = UniformMasking.Sample(6, 8, 8, g);
        using var second = UniformMasking.SecondaryMask(6, (int)m.KeepCount, 0.25, g);
        Assert.Equal(new long[] { 6, 16 }, second.shape);
        Assert.True(second.sum(1).Same(torch.full(6, 4f)));   // 16 - int(16 x 0.75)
        Assert.Throws<ArgumentOutOfRangeException>(() => UniformMasking.SecondaryMask(6, 4, 0.9, g));   // leaves none visible
    }

    [Theory]
    [InlineData(7, 7)]
    [InlineData(8, 7)]
    [InlineData(1, 2)]
    public void An_odd_grid_fails_with_a_message_that_says_what_to_do(int h, int w)
    {
        using var g = new Generator(1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => UniformMasking.Sample(2, h, w, g));
        Assert.Contains("even", e.Message);
        Assert.Contains($"{h}x{w}", e.Message);
    }
}
