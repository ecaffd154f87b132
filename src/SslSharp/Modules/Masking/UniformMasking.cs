using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules.Masking;

/// <summary>
/// Uniform masking (UM-MAE): the patch grid is cut into 2x2 blocks and every image keeps exactly one patch of each
/// block, at a position drawn per block and per image; the other three are masked (ratio 0.75). An optional secondary
/// masking then marks a fraction of the kept patches, which the encoder replaces by a shared learnable token.
/// </summary>
/// <remarks>
/// <para>Li et al., "Uniform Masking: Enabling MAE Pre-training for Pyramid-based Vision Transformers with Locality"
/// (2022); reference code implus/UM-MAE <c>mask_transform.py</c> (<c>RandomMaskingGenerator(regular=True)</c>) and
/// <c>models_mae.py</c> (<c>vis_mask_ratio</c>, 0.25 in the paper). docs/methods.md#mae.</para>
/// <para>The result is a <see cref="TokenMask"/>, so it drops into MAE's gather and restore unchanged:
/// <c>Keep [N, L/4]</c> and <c>Masked [N, 3L/4]</c> are in token (row-major) order, as UM-MAE's <c>x[~mask]</c>;
/// <c>Restore</c> puts <c>cat([Keep, Masked])</c> back in token order. UM-MAE shuffles a balanced list of the four
/// positions; here each block's position is an independent uniform draw (the same distribution per block).</para>
/// </remarks>
public static class UniformMasking
{
    /// <summary>Draws one uniform masking for each of <paramref name="batch"/> images of a
    /// <paramref name="gridHeight"/> x <paramref name="gridWidth"/> patch grid.</summary>
    /// <param name="batch">Images <c>N &gt;= 1</c>.</param>
    /// <param name="gridHeight">Patch rows, even and &gt;= 2.</param>
    /// <param name="gridWidth">Patch columns, even and &gt;= 2.</param>
    /// <param name="generator">Where the positions come from (CPU generator).</param>
    /// <param name="device">Device of the returned tensors (null: CPU).</param>
    /// <returns>Keep <c>[N, L/4]</c>, Masked <c>[N, 3L/4]</c>, Restore <c>[N, L]</c> (int64) and Mask <c>[N, L]</c>
    /// (float32, 1 = masked), <c>L = gridHeight x gridWidth</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The grid is not even in both directions, or <paramref name="batch"/> &lt; 1.</exception>
    public static TokenMask Sample(int batch, int gridHeight, int gridWidth, Generator generator, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Masking needs at least one image.");
        if (gridHeight < 2 || gridWidth < 2 || gridHeight % 2 != 0 || gridWidth % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(gridHeight), $"{gridHeight}x{gridWidth}",
                $"Uniform masking keeps one patch of every 2x2 block, so the patch grid must be even in both directions, but it is " +
                $"{gridHeight}x{gridWidth}. Choose an image and patch size with an even number of patches per side (e.g. 32 px with patch 4), " +
                "or use random masking (TokenIndex.RandomMasking).");
        int hb = gridHeight / 2, wb = gridWidth / 2, tokens = gridHeight * gridWidth, keep = hb * wb;
        using var scope = torch.NewDisposeScope();
        var position = torch.randint(0, 4, new long[] { batch, hb, wb }, generator: generator, dtype: ScalarType.Int64);
        using Scalar rows = hb, cols = wb, two = 2, width = gridWidth;   // held: see Augment/Functional/ScalarCache
        var blockRow = torch.arange(rows, dtype: ScalarType.Int64).reshape(1, hb, 1);
        var blockCol = torch.arange(cols, dtype: ScalarType.Int64).reshape(1, 1, wb);
        var row = blockRow.mul(two).add(position.div(two, rounding_mode: RoundingMode.floor));
        var col = blockCol.mul(two).add(position.remainder(two));
        var kept = row.mul(width).add(col).reshape(batch, keep);                            // [N, L/4], one per block
        var mask = torch.ones(new long[] { batch, tokens }, dtype: ScalarType.Float32);
        mask.scatter_(1, kept, torch.zeros(new long[] { batch, keep }, dtype: ScalarType.Float32));
        // Kept tokens first (ascending), then masked ones (ascending): a stable sort of the 0/1 mask.
        var shuffle = mask.sort(1, descending: false, stable: true).Indices;
        var restore = shuffle.argsort(dim: 1);
        var keepIdx = shuffle.narrow(1, 0, keep).contiguous();
        var maskedIdx = shuffle.narrow(1, keep, tokens - keep).contiguous();
        var target = device ?? CPU;
        return new TokenMask(keepIdx.to(target).MoveToOuterDisposeScope(), maskedIdx.to(target).MoveToOuterDisposeScope(),
            restore.to(target).MoveToOuterDisposeScope(), mask.to(target).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// UM-MAE's secondary masking: of the <paramref name="keepCount"/> visible tokens of each image, a random
    /// <c>K - int(K (1 - ratio))</c> are marked to be replaced by a shared token (they stay in the sequence).
    /// </summary>
    /// <param name="batch">Images <c>N</c>.</param>
    /// <param name="keepCount">Visible tokens per image <c>K</c> (<see cref="TokenMask.KeepCount"/>).</param>
    /// <param name="ratio">Fraction of the visible tokens replaced, in <c>(0, 1)</c> (UM-MAE: 0.25).</param>
    /// <param name="generator">Where the draws come from.</param>
    /// <param name="device">Device of the result (null: CPU).</param>
    /// <returns><c>[N, K]</c> float32 in the order of <see cref="TokenMask.Keep"/>: 1 = replace by the token, 0 = keep.</returns>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="TokenIndex.KeepCount"/>.</exception>
    public static Tensor SecondaryMask(int batch, int keepCount, double ratio, Generator generator, Device? device = null)
    {
        using var m = TokenIndex.RandomMasking(batch, keepCount, ratio, generator, device);
        return m.Mask.clone();
    }
}
