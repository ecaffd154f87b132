using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// Fixed 2-D sine-cosine position embeddings for a grid of patch tokens, as MAE uses them
/// (facebookresearch/mae <c>util/pos_embed.py</c> <c>get_2d_sincos_pos_embed</c>).
/// </summary>
/// <remarks>
/// For width <c>D</c> (a multiple of 4) and the patch at row <c>r</c>, column <c>c</c>: the first <c>D/2</c>
/// channels encode the column and the last <c>D/2</c> the row, each as <c>[sin(x w_k), cos(x w_k)]</c> over
/// <c>k = 0 .. D/4 - 1</c> with <c>w_k = 10000^(-k / (D/4))</c>. The CLS position, when asked for, is all zeros.
/// Computed in float64 and returned as float32.
/// </remarks>
public static class SinCosPositions
{
    /// <summary>Position embeddings <c>[(cls ? 1 : 0) + H*W, D]</c> for a <c>H x W</c> grid, patches row by row.</summary>
    /// <param name="dim">Width <c>D</c>, a positive multiple of 4.</param>
    /// <param name="gridHeight">Rows <c>H</c>.</param>
    /// <param name="gridWidth">Columns <c>W</c>.</param>
    /// <param name="clsToken">Whether to put a zero row for the CLS token first.</param>
    /// <exception cref="ArgumentException"><paramref name="dim"/> is not a positive multiple of 4, or the grid is empty.</exception>
    public static Tensor Create(int dim, int gridHeight, int gridWidth, bool clsToken = true)
    {
        if (dim < 4 || dim % 4 != 0)
            throw new ArgumentException($"2-D sine-cosine positions need a width that is a multiple of 4, got {dim}.", nameof(dim));
        if (gridHeight < 1 || gridWidth < 1)
            throw new ArgumentException($"The patch grid must be at least 1x1, got {gridHeight}x{gridWidth}.");
        using var scope = torch.NewDisposeScope();
        int quarter = dim / 4;
        var omega = torch.pow(10000.0, -(torch.arange(quarter, dtype: ScalarType.Float64) / quarter)); // [D/4]
        var rows = torch.arange(gridHeight, dtype: ScalarType.Float64).repeat_interleave(gridWidth);      // [H*W]
        var cols = torch.arange(gridWidth, dtype: ScalarType.Float64).repeat(gridHeight);                 // [H*W]
        Tensor OneD(Tensor pos)
        {
            var angles = pos.unsqueeze(1) * omega.unsqueeze(0); // [H*W, D/4]
            return torch.cat(new[] { angles.sin(), angles.cos() }, 1);
        }
        var emb = torch.cat(new[] { OneD(cols), OneD(rows) }, 1); // [H*W, D]
        if (clsToken) emb = torch.cat(new[] { torch.zeros(1, dim, dtype: ScalarType.Float64), emb }, 0);
        return emb.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
