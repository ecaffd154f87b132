using static TorchSharp.torch;

namespace SslSharp.Modules.Masking;

/// <summary>
/// One I-JEPA multi-block masking of <c>N</c> images: the context patches the encoder sees and the target blocks
/// the predictor must predict. All indices are int64 token indices (row-major on the patch grid), ascending per row,
/// ready for <see cref="TokenIndex.Gather"/>.
/// </summary>
/// <param name="Context">The context tokens <c>[N, Kc]</c>; no index in it belongs to any target block of the same image.</param>
/// <param name="Targets">One <c>[N, Kt]</c> tensor per target block (I-JEPA: 4); <c>Kt = h w</c> of the batch's block size.</param>
public sealed record MultiBlockMask(Tensor Context, IReadOnlyList<Tensor> Targets) : IDisposable
{
    /// <summary>Context tokens per image, <c>Kc</c>.</summary>
    public long ContextCount => Context.shape[1];

    /// <summary>Tokens per target block, <c>Kt</c>.</summary>
    public long TargetCount => Targets[0].shape[1];

    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        Context.Dispose();
        foreach (var t in Targets) t.Dispose();
    }
}
