using static TorchSharp.torch;

namespace SslSharp.Modules.Masking;

/// <summary>
/// One random masking of <c>N</c> token sequences of length <c>L</c>: which tokens each image keeps, which it
/// masks, and how to put them back in order (facebookresearch/mae <c>random_masking</c>'s
/// <c>ids_keep</c>, <c>mask</c>, <c>ids_restore</c>).
/// </summary>
/// <param name="Keep">Indices of the visible tokens <c>[N, K]</c> (int64), in shuffled order; what the encoder sees.</param>
/// <param name="Masked">Indices of the masked tokens <c>[N, L - K]</c> (int64), in shuffled order.</param>
/// <param name="Restore">Inverse permutation <c>[N, L]</c> (int64): <c>cat([Keep, Masked], 1)</c> gathered with it is <c>0..L-1</c>.</param>
/// <param name="Mask">Per-token mask <c>[N, L]</c> (float32) in token order: 0 = kept, 1 = masked (MAE's loss weight).</param>
public sealed record TokenMask(Tensor Keep, Tensor Masked, Tensor Restore, Tensor Mask) : IDisposable
{
    /// <summary>Number of visible tokens per image, <c>K</c>.</summary>
    public long KeepCount => Keep.shape[1];

    /// <summary>Disposes the four tensors.</summary>
    public void Dispose()
    {
        Keep.Dispose();
        Masked.Dispose();
        Restore.Dispose();
        Mask.Dispose();
    }
}
