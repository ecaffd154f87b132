using SslSharp.Modules.Masking;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Modules.Masking;

public sealed class MultiBlockMaskingTests
{
    private static bool[] Covered(Tensor indices, int row, int tokens)
    {
        var covered = new bool[tokens];
        foreach (long i in indices[row].data<long>()) covered[i] = true;
        return covered;
    }

    [Theory]
    [InlineData(14, 14, 10)]
    [InlineData(8, 8, 4)]
    [InlineData(7, 7, 4)]
    [InlineData(16, 12, 10)]
    public void Context_and_targets_never_overlap_and_every_block_is_a_rectangle_of_the_batch_size(int h, int w, int minKeep)
    {
        var masking = new MultiBlockMasking(h, w, minKeep: minKeep);
        for (ulong seed = 0; seed < 20; seed++)
        {
            using var m = masking.Sample(8, seed);
            Assert.Equal(4, m.Targets.Count);
            Assert.True(m.ContextCount > minKeep, $"seed {seed}: context keeps {m.ContextCount}, not more than {minKeep}");
            long kt = m.TargetCount;
            for (int n = 0; n < 8; n++)
            {
                var context = Covered(m.Context, n, h * w);
                Assert.Equal(m.ContextCount, context.Count(c => c));   // no duplicate index
                (int Rows, int Cols)? size = null;
                foreach (var t in m.Targets)
                {
                    Assert.Equal(new long[] { 8, kt }, t.shape);
                    var idx = t[n].data<long>().ToArray();
                    Assert.DoesNotContain(idx, i => context[i]);
                    // A full rectangle: rows x cols distinct cells, every (row, col) pair present.
                    var rows = idx.Select(i => i / w).Distinct().Count();
                    var cols = idx.Select(i => i % w).Distinct().Count();
                    Assert.Equal(kt, (long)rows * cols);
                    Assert.Equal(kt, idx.Distinct().Count());
                    size ??= (rows, cols);
                    Assert.Equal(size, (rows, cols));   // one block size for the batch
                }
            }
        }
    }

    [Fact]
    public void Block_sizes_follow_the_reference_formula()
    {
        // 14 x 14 grid (224 px, patch 16): r = 0 gives scale 0.15, aspect 0.75:
        // n = int(196 x 0.15) = 29, h = round(sqrt(21.75)) = 5, w = round(sqrt(38.67)) = 6.
        var m = new MultiBlockMasking(14, 14);
        Assert.Equal((5, 6), m.BlockSize(0, (0.15, 0.2), (0.75, 1.5)));
        // r = 0.999...: scale 0.2, aspect 1.5: n = int(39.19) = 39, h = round(7.65) = 8, w = round(5.10) = 5.
        Assert.Equal((8, 5), m.BlockSize(0.9999, (0.15, 0.2), (0.75, 1.5)));
        // The context, scale 1, aspect 1: 14 x 14 clamped to 13 x 13 (the reference keeps h < H).
        Assert.Equal((13, 13), m.BlockSize(1.0, (0.85, 1.0), (1, 1)));
    }

    [Fact]
    public void The_same_seed_gives_the_same_masks_and_another_seed_other_masks()
    {
        var masking = new MultiBlockMasking(14, 14);
        using var a = masking.Sample(6, 7UL);
        using var b = masking.Sample(6, 7UL);
        using var c = masking.Sample(6, 8UL);
        Assert.True(a.Context.Same(b.Context) && a.Targets.Zip(b.Targets).All(p => p.First.Same(p.Second)));
        Assert.False(a.Context.Same(c.Context) && a.Targets.Zip(c.Targets).All(p => p.First.Same(p.Second)));
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        using var d = masking.Sample(6, g1);
        using var e = masking.Sample(6, g2);
        Assert.True(d.Context.Same(e.Context) && d.Targets[0].Same(e.Targets[0]));
        Assert.False(d.Targets[0][0].Same(d.Targets[0][1]) && d.Targets[0][1].Same(d.Targets[0][2]));   // positions per image
    }

    [Fact]
    public void The_indices_gather_tokens()
    {
        var masking = new MultiBlockMasking(8, 8);
        using var m = masking.Sample(3, 1UL);
        var tokens = torch.arange(3 * 64, dtype: ScalarType.Float32).reshape(3, 64, 1);
        var ctx = TokenIndex.Gather(tokens, m.Context);
        Assert.Equal(new long[] { 3, m.ContextCount, 1 }, ctx.shape);
        Assert.True(ctx.squeeze(-1).Same((m.Context + torch.arange(3).unsqueeze(1) * 64).to_type(ScalarType.Float32)));
    }

    [Theory]
    [InlineData(4, 4, 4, "cannot hold I-JEPA's target blocks")]   // a target of int(16 x 0.2) = 3 patches
    [InlineData(14, 14, 60, "cannot hold I-JEPA's target blocks")]
    public void A_grid_that_cannot_hold_the_blocks_fails_at_construction(int h, int w, int minKeep, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new MultiBlockMasking(h, w, minKeep: minKeep));
        Assert.Contains(message, e.Message);
        Assert.Contains($"{h}x{w}", e.Message);
    }

    [Fact]
    public void A_context_that_cannot_keep_enough_patches_fails_after_the_attempts_with_one_message()
    {
        // 8 targets of 5x5 on an 8x8 grid leave almost nothing of the context.
        var masking = new MultiBlockMasking(8, 8, targetBlocks: 8, targetScale: (0.4, 0.4), targetAspect: (1, 1), minKeep: 10);
        var e = Assert.Throws<InvalidOperationException>(() => masking.Sample(4, 0UL));
        Assert.Contains("found no context block", e.Message);
    }

    [Fact]
    public void Bad_ranges_fail_clearly()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiBlockMasking(14, 14, targetScale: (0.3, 0.2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiBlockMasking(14, 14, contextScale: (0.85, 1.2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiBlockMasking(14, 14, targetAspect: (0, 1.5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiBlockMasking(1, 14));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiBlockMasking(14, 14).Sample(0, 1UL));
    }
}
