using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// Stochastic depth (Huang et al. 2016) on a residual branch: in training, each sample's branch output
/// <c>[N, ...]</c> is zeroed with probability <c>rate</c> and the kept ones are scaled by <c>1 / (1 - rate)</c>;
/// in evaluation it is the identity (timm's <c>DropPath</c>).
/// </summary>
/// <remarks>The keep/drop draws come from the generator it is given (the owning <see cref="VisionTransformer"/>'s,
/// re-seeded every step), never from torch's global one; they are drawn on the CPU and moved to the input's device.</remarks>
public sealed class DropPath : nn.Module<Tensor, Tensor>
{
    private readonly Generator generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Drop probability in <c>[0, 1)</c>.</param>
    /// <param name="generator">Where the draws come from (a CPU generator).</param>
    public DropPath(double rate, Generator generator) : base("drop_path")
    {
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The drop-path rate must be in [0, 1).");
        Rate = rate;
        this.generator = generator;
    }

    /// <summary>Drop probability.</summary>
    public double Rate { get; }

    /// <summary><paramref name="x"/> with whole samples dropped (training, rate &gt; 0) or unchanged.</summary>
    public override Tensor forward(Tensor x)
    {
        if (!training || Rate == 0) return x.alias();
        using var scope = torch.NewDisposeScope();
        using Scalar keep = 1 - Rate;   // held: an implicit temporary Scalar can be finalised during the native call
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];
        var mask = torch.rand(shape, generator: generator).lt(keep).to(x.dtype, x.device).div_(keep);
        return (x * mask).MoveToOuterDisposeScope();
    }
}
