using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>Input checks shared by the two-view redundancy-reduction losses (VICReg, Barlow Twins).</summary>
internal static class CorrelationChecks
{
    /// <summary>Throws a clear error unless <paramref name="z1"/> and <paramref name="z2"/> are finite
    /// <c>[N, D]</c> tensors of one shape with <c>N &gt;= 2</c> and <c>D &gt;= 1</c>.</summary>
    public static void CheckPair(Tensor z1, Tensor z2, string loss, string whyTwo)
    {
        ArgumentNullException.ThrowIfNull(z1);
        ArgumentNullException.ThrowIfNull(z2);
        if (z1.dim() != 2 || z2.dim() != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException(
                $"{loss} needs two embeddings [N, D] of one shape but got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}]; " +
                "row i of z1 and row i of z2 must be two views of image i.");
        if (z1.shape[0] < 2)
            throw new ArgumentException(
                $"{loss} needs a batch of at least 2 images but got {z1.shape[0]}: {whyTwo}. Increase the batch size.");
        if (z1.shape[1] < 1)
            throw new ArgumentException($"{loss} needs embeddings with at least one dimension (D >= 1).");
        if (!z1.isfinite().all().item<bool>() || !z2.isfinite().all().item<bool>())
            throw new ArgumentException(
                $"{loss} got NaN or infinite embeddings: training has diverged (lower the learning rate, " +
                "check the data for NaN, or enable gradient clipping).");
    }
}
