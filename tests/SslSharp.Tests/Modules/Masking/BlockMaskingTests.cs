using SslSharp.Modules.Masking;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Modules.Masking;

public sealed class BlockMaskingTests
{
    [Theory]
    [InlineData(14, 14)]
    [InlineData(8, 8)]
    [InlineData(7, 7)]
    public void About_half_the_images_are_masked_each_within_its_budget(int h, int w)
    {
        var masking = new BlockMasking(h, w);
        using var m = masking.Sample(400, 3UL);
        Assert.Equal(new long[] { 400, h * w }, m.shape);
        Assert.Equal(ScalarType.Bool, m.dtype);
        var counts = m.sum(1).data<long>().ToArray();
        int masked = counts.Count(c => c > 0);
        Assert.InRange(masked, 160, 240);   // p = 0.5: mean 200, sd 10
        Assert.All(counts, c => Assert.True(c <= Math.Floor(0.5 * h * w), $"{c} masked of {h * w}, more than the largest budget"));
        // A masked image leaves patches visible and masks at least one.
        Assert.All(counts.Where(c => c > 0), c => Assert.InRange(c, 1, h * w - 1));
    }

    [Fact]
    public void With_a_fixed_ratio_every_image_reaches_most_of_its_budget_and_never_passes_it()
    {
        var masking = new BlockMasking(14, 14, ratio: (0.4, 0.4), maskProbability: 1.0);
        using var m = masking.Sample(200, 9UL);
        var counts = m.sum(1).to_type(ScalarType.Float64);
        Assert.True(counts.le(0.4 * 196).all().ToBoolean());
        Assert.True(counts.ge(1).all().ToBoolean());
        Assert.InRange(counts.mean().ToDouble(), 0.8 * 78.4, 78.4);   // BEiT's loop stops short only when 10 tries fail
    }

    [Fact]
    public void Masks_are_made_of_rectangles_not_scattered_patches()
    {
        // With iBOT's minimum area (16 on 14x14) a masked patch nearly always has a masked 4-neighbour.
        var masking = new BlockMasking(14, 14, ratio: (0.3, 0.3), maskProbability: 1.0);
        using var m = masking.Sample(50, 1UL);
        var grid = m.reshape(50, 14, 14).to_type(ScalarType.Float32);
        var padded = torch.nn.functional.pad(grid, new long[] { 1, 1, 1, 1 });
        var neighbours = padded[.., 0..14, 1..15] + padded[.., 2..16, 1..15] + padded[.., 1..15, 0..14] + padded[.., 1..15, 2..16];
        var isolated = (grid * neighbours.eq(0)).sum().ToSingle();
        Assert.True(isolated / grid.sum().ToSingle() < 0.02, $"{isolated} isolated masked patches");
    }

    [Fact]
    public void The_same_seed_gives_the_same_masks_and_another_seed_other_masks()
    {
        var masking = new BlockMasking(14, 14);
        using var g1 = new Generator(4);
        using var g2 = new Generator(4);
        using var g3 = new Generator(5);
        using var a = masking.Sample(16, g1);
        using var b = masking.Sample(16, g2);
        using var c = masking.Sample(16, g3);
        Assert.True(a.Same(b));
        Assert.False(a.Same(c));
    }

    [Theory]
    [InlineData(0.01, 0.5, "leaves no masked patch")]   // 0.01 x 16 < 1
    [InlineData(0.1, 1.0, "0 < min <= max < 1")]
    [InlineData(0.5, 0.1, "0 < min <= max < 1")]
    [InlineData(0.0, 0.5, "0 < min <= max < 1")]
    public void A_ratio_that_leaves_no_masked_or_no_visible_patch_fails_clearly(double min, double max, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new BlockMasking(4, 4, ratio: (min, max)));
        Assert.Contains(message, e.Message);
    }
}
