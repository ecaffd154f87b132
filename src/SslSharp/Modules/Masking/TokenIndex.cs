using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules.Masking;

/// <summary>
/// Stateless bookkeeping of token subsets for masked methods (MAE, I-JEPA, iBOT): random per-image masking,
/// gathering the kept tokens, and putting a shuffled sequence back in token order.
/// </summary>
/// <remarks>
/// facebookresearch/mae <c>models_mae.py</c> <c>random_masking</c>: per image, noise <c>~ U[0, 1)^L</c>,
/// <c>ids_shuffle = argsort(noise)</c>, <c>ids_restore = argsort(ids_shuffle)</c>, the first
/// <c>K = int(L * (1 - ratio))</c> of the shuffle are kept; the decoder appends mask tokens to the encoded
/// visible ones and gathers with <c>ids_restore</c>. The same helpers as lightly's <c>random_token_mask</c> and
/// <c>get_at_index</c> (<c>lightly/models/utils.py</c>). The noise comes from the given generator only, never
/// from torch's global one, so the same seed gives the same masks.
/// </remarks>
public static class TokenIndex
{
    /// <summary>
    /// Number of visible tokens <c>K = int(L * (1 - maskRatio))</c> (MAE's rounding down, with a 1e-9 tolerance so
    /// that <c>10 * (1 - 0.9)</c> keeps 1 and not 0).
    /// </summary>
    /// <param name="numTokens">Tokens per image, <c>L &gt;= 2</c>.</param>
    /// <param name="maskRatio">Fraction of tokens masked, in <c>(0, 1)</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The ratio is outside <c>(0, 1)</c>, or it leaves no visible or no masked token.</exception>
    public static int KeepCount(int numTokens, double maskRatio)
    {
        if (numTokens < 2)
            throw new ArgumentOutOfRangeException(nameof(numTokens), numTokens, "Masking needs at least 2 tokens per image (one visible, one masked).");
        if (!(maskRatio > 0 && maskRatio < 1))
            throw new ArgumentOutOfRangeException(nameof(maskRatio), maskRatio, "The mask ratio must be in (0, 1), e.g. 0.75 for MAE.");
        int keep = (int)Math.Floor(numTokens * (1.0 - maskRatio) + 1e-9);
        if (keep < 1)
            throw new ArgumentOutOfRangeException(nameof(maskRatio), maskRatio,
                $"A mask ratio of {maskRatio} leaves no visible token of {numTokens}: int({numTokens} * (1 - {maskRatio})) = 0. Use a smaller ratio or more patches.");
        if (keep >= numTokens)
            throw new ArgumentOutOfRangeException(nameof(maskRatio), maskRatio,
                $"A mask ratio of {maskRatio} masks no token of {numTokens}: int({numTokens} * (1 - {maskRatio})) = {keep}. Use a larger ratio or more patches.");
        return keep;
    }

    /// <summary>
    /// Draws an independent random masking for each of <paramref name="batch"/> images of <paramref name="numTokens"/>
    /// tokens, keeping <see cref="KeepCount"/> of each (MAE's <c>random_masking</c>).
    /// </summary>
    /// <param name="batch">Images <c>N &gt;= 1</c>.</param>
    /// <param name="numTokens">Tokens per image <c>L</c>.</param>
    /// <param name="maskRatio">Fraction of tokens masked, in <c>(0, 1)</c>.</param>
    /// <param name="generator">Where the noise comes from (on <paramref name="device"/>).</param>
    /// <param name="device">Device of the returned indices (null: CPU).</param>
    /// <returns>Keep <c>[N, K]</c>, Masked <c>[N, L - K]</c>, Restore <c>[N, L]</c> (int64) and Mask <c>[N, L]</c> (float32, 1 = masked).</returns>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="KeepCount"/>, or <paramref name="batch"/> &lt; 1.</exception>
    public static TokenMask RandomMasking(int batch, int numTokens, double maskRatio, Generator generator, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Masking needs at least one image.");
        int keep = KeepCount(numTokens, maskRatio);
        using var scope = torch.NewDisposeScope();
        var noise = torch.rand(new long[] { batch, numTokens }, generator: generator, device: device);
        var shuffle = noise.argsort(dim: 1);          // [N, L]: ascending noise, the first K are kept
        var restore = shuffle.argsort(dim: 1);        // [N, L]: inverse permutation
        var kept = shuffle.narrow(1, 0, keep).contiguous();
        var masked = shuffle.narrow(1, keep, numTokens - keep).contiguous();
        var mask = torch.ones(new long[] { batch, numTokens }, dtype: ScalarType.Float32, device: device);
        mask.narrow(1, 0, keep).zero_();
        mask = mask.gather(1, restore);               // back to token order
        return new TokenMask(kept.MoveToOuterDisposeScope(), masked.MoveToOuterDisposeScope(),
            restore.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>The tokens at <paramref name="indices"/> of each image: <c>out[n, k] = tokens[n, indices[n, k]]</c>.</summary>
    /// <param name="tokens"><c>[N, L, D]</c>.</param>
    /// <param name="indices"><c>[N, K]</c> int64, each in <c>[0, L)</c>.</param>
    /// <returns><c>[N, K, D]</c> (differentiable with respect to <paramref name="tokens"/>).</returns>
    /// <exception cref="ArgumentException">Shapes or dtype do not fit.</exception>
    public static Tensor Gather(Tensor tokens, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(indices);
        if (tokens.dim() != 3)
            throw new ArgumentException($"Tokens must be [N, L, D] but got [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        CheckIndices(indices, tokens.shape[0], nameof(indices));
        return tokens.gather(1, indices.unsqueeze(-1).expand(-1, -1, tokens.shape[2]));
    }

    /// <summary>
    /// Puts a shuffled sequence back in token order: <c>Gather(cat([visible, fill], 1), restore)</c>, as MAE's
    /// decoder does with the encoded visible tokens and its mask token.
    /// </summary>
    /// <param name="visible">Tokens of the kept indices <c>[N, K, D]</c>, in the order of <see cref="TokenMask.Keep"/>.</param>
    /// <param name="fill">Tokens of the masked indices <c>[N, L - K, D]</c> in the order of <see cref="TokenMask.Masked"/>,
    /// or one token broadcast to all of them (<c>[1, 1, D]</c> or <c>[D]</c>: MAE's <c>mask_token</c>).</param>
    /// <param name="restore"><see cref="TokenMask.Restore"/> <c>[N, L]</c>.</param>
    /// <returns><c>[N, L, D]</c> in token order. <c>Restore(Gather(x, Keep), Gather(x, Masked), Restore) == x</c>.</returns>
    /// <exception cref="ArgumentException">Shapes or dtype do not fit.</exception>
    public static Tensor Restore(Tensor visible, Tensor fill, Tensor restore)
    {
        ArgumentNullException.ThrowIfNull(visible);
        ArgumentNullException.ThrowIfNull(fill);
        ArgumentNullException.ThrowIfNull(restore);
        if (visible.dim() != 3)
            throw new ArgumentException($"Visible tokens must be [N, K, D] but got [{string.Join(", ", visible.shape)}].", nameof(visible));
        long n = visible.shape[0], k = visible.shape[1], d = visible.shape[2];
        CheckIndices(restore, n, nameof(restore));
        long l = restore.shape[1];
        if (k >= l)
            throw new ArgumentException($"{k} visible tokens but the restore indices cover only {l} tokens; there must be fewer visible than all.", nameof(visible));
        bool oneToken = fill.shape.SequenceEqual(new[] { d }) || fill.shape.SequenceEqual(new[] { 1L, 1, d });
        if (!oneToken && !fill.shape.SequenceEqual(new[] { n, l - k, d }))
            throw new ArgumentException(
                $"Fill tokens must be [{n}, {l - k}, {d}] (one per masked token) or [1, 1, {d}] / [{d}] (one mask token), but got [{string.Join(", ", fill.shape)}].",
                nameof(fill));
        var filled = oneToken ? fill.reshape(1, 1, d).expand(n, l - k, d) : fill;
        return Gather(torch.cat(new[] { visible, filled }, 1), restore);
    }

    private static void CheckIndices(Tensor indices, long batch, string name)
    {
        if (indices.dim() != 2 || indices.shape[0] != batch)
            throw new ArgumentException($"Indices must be [{batch}, K] but got [{string.Join(", ", indices.shape)}].", name);
        if (indices.dtype != ScalarType.Int64)
            throw new ArgumentException($"Indices must be int64 but are {indices.dtype}.", name);
    }
}
