using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules.Masking;

/// <summary>
/// I-JEPA's multi-block masking: per batch one target block size (scale and aspect ratio) and one context block size
/// (aspect 1); per image <see cref="TargetBlocks"/> target blocks and one context block at random positions, with
/// every target patch removed from the context.
/// </summary>
/// <remarks>
/// <para>Assran et al., "Self-Supervised Learning from Images with a Joint-Embedding Predictive Architecture"
/// (I-JEPA, CVPR 2023), section 3; reference code facebookresearch/ijepa <c>src/masks/multiblock.py</c>
/// (<c>MaskCollator</c>, <c>allow_overlap=False</c>). docs/methods.md#i-jepa.</para>
/// <para>Block size, as the reference: one draw <c>r ~ U[0, 1)</c> sets both <c>scale = s0 + r (s1 - s0)</c> and
/// <c>aspect = a0 + r (a1 - a0)</c>; <c>n = int(H W scale)</c>, <c>h = round(sqrt(n aspect))</c>,
/// <c>w = round(sqrt(n / aspect))</c> (half to even), then <c>h &lt;= H - 1</c>, <c>w &lt;= W - 1</c>.
/// Positions: top-left uniform over all <c>(H - h + 1)(W - w + 1)</c> placements (the reference draws from
/// <c>[0, H - h)</c>, which never touches the last row or column and pins the context block on a small grid).</para>
/// <para>Minimum keep: a context is accepted when it keeps more than <see cref="MinKeep"/> patches (the reference's
/// rule). The reference, after 20 failed positions, relaxes the rule by letting the context overlap targets; here
/// context and targets never overlap: after 20 failed context positions the image's targets are drawn again, and
/// after <see cref="MaxAttempts"/> failed contexts in one image <see cref="Sample(int, ulong, Device?)"/> throws. A grid on
/// which a target block cannot keep more than <see cref="MinKeep"/> patches, or the largest context cannot, fails
/// at construction.</para>
/// <para>Equal counts per batch: targets have exactly <c>h w</c> patches; contexts differ per image and are cut to
/// the smallest in the batch, keeping the first in token order (the reference's <c>cm[:min_keep_enc]</c>).</para>
/// </remarks>
public sealed class MultiBlockMasking
{
    private const int TriesPerTargets = 20;

    /// <summary>Creates a generator for a <paramref name="gridHeight"/> x <paramref name="gridWidth"/> patch grid
    /// with I-JEPA's defaults.</summary>
    /// <param name="gridHeight">Patch rows <c>H &gt;= 2</c>.</param>
    /// <param name="gridWidth">Patch columns <c>W &gt;= 2</c>.</param>
    /// <param name="targetBlocks">Target blocks per image (4).</param>
    /// <param name="targetScale">Target block area as a fraction of the grid ((0.15, 0.2)).</param>
    /// <param name="targetAspect">Target block aspect ratio h / w ((0.75, 1.5)).</param>
    /// <param name="contextScale">Context block area as a fraction of the grid ((0.85, 1.0)); its aspect is 1.</param>
    /// <param name="minKeep">A block must keep more than this many patches (4, the reference default; its ImageNet configs use 10 on 14x14 and 16x16 grids).</param>
    /// <param name="maxAttempts">Context draws per image before giving up (200).</param>
    /// <exception cref="ArgumentException">A range is empty or outside its domain, or the grid cannot hold the blocks.</exception>
    public MultiBlockMasking(int gridHeight, int gridWidth, int targetBlocks = 4, (double Min, double Max)? targetScale = null,
        (double Min, double Max)? targetAspect = null, (double Min, double Max)? contextScale = null, int minKeep = 4, int maxAttempts = 200)
    {
        if (gridHeight < 2 || gridWidth < 2)
            throw new ArgumentOutOfRangeException(nameof(gridHeight), $"{gridHeight}x{gridWidth}", $"Multi-block masking needs a patch grid of at least 2x2, got {gridHeight}x{gridWidth}.");
        if (targetBlocks < 1) throw new ArgumentOutOfRangeException(nameof(targetBlocks), targetBlocks, "Multi-block masking needs at least one target block (I-JEPA: 4).");
        if (minKeep < 0) throw new ArgumentOutOfRangeException(nameof(minKeep), minKeep, "The minimum keep must be >= 0 (I-JEPA: 4; 10 on ImageNet).");
        if (maxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "At least one attempt is needed.");
        GridHeight = gridHeight;
        GridWidth = gridWidth;
        TargetBlocks = targetBlocks;
        TargetScale = CheckRange(targetScale ?? (0.15, 0.2), nameof(targetScale), 0, 1, "a fraction of the grid in (0, 1]");
        TargetAspect = CheckRange(targetAspect ?? (0.75, 1.5), nameof(targetAspect), 0, double.PositiveInfinity, "a positive aspect ratio");
        ContextScale = CheckRange(contextScale ?? (0.85, 1.0), nameof(contextScale), 0, 1, "a fraction of the grid in (0, 1]");
        MinKeep = minKeep;
        MaxAttempts = maxAttempts;
        CheckGridHoldsTheBlocks();
    }

    /// <summary>Patch rows <c>H</c>.</summary>
    public int GridHeight { get; }

    /// <summary>Patch columns <c>W</c>.</summary>
    public int GridWidth { get; }

    /// <summary>Target blocks per image.</summary>
    public int TargetBlocks { get; }

    /// <summary>Target block area as a fraction of the grid.</summary>
    public (double Min, double Max) TargetScale { get; }

    /// <summary>Target block aspect ratio (height / width).</summary>
    public (double Min, double Max) TargetAspect { get; }

    /// <summary>Context block area as a fraction of the grid (aspect 1).</summary>
    public (double Min, double Max) ContextScale { get; }

    /// <summary>A block (and the context after removing the targets) must keep more than this many patches.</summary>
    public int MinKeep { get; }

    /// <summary>Context draws per image before <see cref="Sample(int, ulong, Device?)"/> gives up.</summary>
    public int MaxAttempts { get; }

    /// <summary>The block size <c>(h, w)</c> for the draw <paramref name="r"/> in <c>[0, 1)</c> (the reference's
    /// <c>_sample_block_size</c>).</summary>
    /// <param name="r">The uniform draw shared by scale and aspect.</param>
    /// <param name="scale">Area range as a fraction of the grid.</param>
    /// <param name="aspect">Aspect range (height / width).</param>
    public (int Height, int Width) BlockSize(double r, (double Min, double Max) scale, (double Min, double Max) aspect)
    {
        double s = scale.Min + r * (scale.Max - scale.Min);
        int area = (int)(GridHeight * GridWidth * s);
        double a = aspect.Min + r * (aspect.Max - aspect.Min);
        int h = (int)Math.Round(Math.Sqrt(area * a), MidpointRounding.ToEven);
        int w = (int)Math.Round(Math.Sqrt(area / a), MidpointRounding.ToEven);
        return (Math.Min(h, GridHeight - 1), Math.Min(w, GridWidth - 1));
    }

    /// <summary>Draws the masks of <paramref name="batch"/> images, seeded by one draw of <paramref name="generator"/>.</summary>
    /// <inheritdoc cref="Sample(int, ulong, Device?)"/>
    public MultiBlockMask Sample(int batch, Generator generator, Device? device = null) => Sample(batch, MaskSeed.From(generator), device);

    /// <summary>Draws the masks of <paramref name="batch"/> images from <paramref name="seed"/> (same seed, same masks).</summary>
    /// <param name="batch">Images <c>N &gt;= 1</c>.</param>
    /// <param name="seed">The seed of all draws (block sizes, then each image's positions).</param>
    /// <param name="device">Device of the returned indices (null: CPU).</param>
    /// <returns>Context <c>[N, Kc]</c> and <see cref="TargetBlocks"/> targets <c>[N, Kt]</c>, int64, ascending per row.</returns>
    /// <exception cref="InvalidOperationException">No context with more than <see cref="MinKeep"/> patches was found for
    /// an image in <see cref="MaxAttempts"/> draws.</exception>
    public MultiBlockMask Sample(int batch, ulong seed, Device? device = null)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Masking needs at least one image.");
        var rng = new SplitMix64(seed);
        var (th, tw) = BlockSize(MaskSeed.NextDouble(rng), TargetScale, TargetAspect);
        var (ch, cw) = BlockSize(MaskSeed.NextDouble(rng), ContextScale, (1.0, 1.0));
        int tokens = GridHeight * GridWidth, targetCount = th * tw;
        var targets = new long[TargetBlocks][];
        for (int t = 0; t < TargetBlocks; t++) targets[t] = new long[batch * targetCount];
        var contexts = new List<long>[batch];
        var covered = new bool[tokens];
        for (int n = 0; n < batch; n++)
        {
            List<long>? context = null;
            for (int attempt = 0; context is null; attempt++)
            {
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException(
                        $"Multi-block masking found no context block of {ch}x{cw} that keeps more than {MinKeep} patches outside " +
                        $"{TargetBlocks} target blocks of {th}x{tw} on a {GridHeight}x{GridWidth} grid in {MaxAttempts} draws. " +
                        "Use fewer or smaller target blocks, a larger context scale, a lower minimum keep, or more patches.");
                if (attempt % TriesPerTargets == 0)
                {
                    Array.Clear(covered);
                    for (int t = 0; t < TargetBlocks; t++)
                    {
                        int top = MaskSeed.NextInclusive(rng, 0, GridHeight - th), left = MaskSeed.NextInclusive(rng, 0, GridWidth - tw);
                        int k = n * targetCount;
                        for (int i = top; i < top + th; i++)
                            for (int j = left; j < left + tw; j++)
                            {
                                targets[t][k++] = (long)i * GridWidth + j;
                                covered[i * GridWidth + j] = true;
                            }
                    }
                }
                int ctop = MaskSeed.NextInclusive(rng, 0, GridHeight - ch), cleft = MaskSeed.NextInclusive(rng, 0, GridWidth - cw);
                var candidate = new List<long>(ch * cw);
                for (int i = ctop; i < ctop + ch; i++)
                    for (int j = cleft; j < cleft + cw; j++)
                        if (!covered[i * GridWidth + j]) candidate.Add((long)i * GridWidth + j);
                if (candidate.Count > MinKeep) context = candidate;
            }
            contexts[n] = context;
        }
        int keep = contexts.Min(c => c.Count);
        var contextFlat = contexts.SelectMany(c => c.Take(keep)).ToArray();
        var target = device ?? CPU;
        var contextTensor = torch.tensor(contextFlat, new long[] { batch, keep }).to(target);
        var targetTensors = targets.Select(t => torch.tensor(t, new long[] { batch, targetCount }).to(target)).ToArray();
        return new MultiBlockMask(contextTensor, targetTensors);
    }

    private void CheckGridHoldsTheBlocks()
    {
        // Every block size a draw can give (r on a fine grid of [0, 1], ends included): a target must keep more than
        // MinKeep patches, and the largest context must be able to.
        int smallestTarget = int.MaxValue, largestContext = 0;
        for (int i = 0; i <= 1000; i++)
        {
            double r = i / 1000.0;
            var (th, tw) = BlockSize(r, TargetScale, TargetAspect);
            smallestTarget = Math.Min(smallestTarget, th < 1 || tw < 1 ? 0 : th * tw);
            var (ch, cw) = BlockSize(r, ContextScale, (1.0, 1.0));
            largestContext = Math.Max(largestContext, ch < 1 || cw < 1 ? 0 : ch * cw);
        }
        if (smallestTarget <= MinKeep)
            throw new ArgumentException(
                $"A {GridHeight}x{GridWidth} patch grid cannot hold I-JEPA's target blocks: with scale ({TargetScale.Min}, {TargetScale.Max}) " +
                $"and aspect ({TargetAspect.Min}, {TargetAspect.Max}) a target block can have {smallestTarget} patches, not more than the " +
                $"minimum keep {MinKeep}. Use more patches (larger images or smaller patches), a larger target scale, or a lower minimum keep.");
        if (largestContext <= MinKeep)
            throw new ArgumentException(
                $"A {GridHeight}x{GridWidth} patch grid cannot hold I-JEPA's context block: with scale ({ContextScale.Min}, {ContextScale.Max}) " +
                $"it has at most {largestContext} patches, not more than the minimum keep {MinKeep}. Use more patches or a lower minimum keep.");
    }

    private static (double Min, double Max) CheckRange((double Min, double Max) range, string name, double low, double high, string what)
    {
        if (!(range.Min > low && range.Min <= range.Max && range.Max <= high))
            throw new ArgumentOutOfRangeException(name, $"({range.Min}, {range.Max})",
                $"The range {name} must be (min, max) with min <= max, each {what}, but is ({range.Min}, {range.Max}).");
        return range;
    }
}
