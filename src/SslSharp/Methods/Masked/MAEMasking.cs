namespace SslSharp.Methods.Masked;

/// <summary>How <see cref="MAE"/> chooses the visible patches of each image.</summary>
public enum MAEMasking
{
    /// <summary>A uniformly random subset of <c>int(L (1 - ratio))</c> patches per image (MAE's <c>random_masking</c>).</summary>
    Random,

    /// <summary>One patch of every 2x2 block (UM-MAE's uniform masking, ratio 0.75; the patch grid must be even).</summary>
    Uniform,
}
