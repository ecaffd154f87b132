using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// LayerScale (Touvron et al. 2021, "Going deeper with Image Transformers"): multiplies a residual branch's output
/// <c>[N, T, D]</c> by a learned per-channel <c>gamma</c> <c>[D]</c> initialised to a small value.
/// </summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
    private readonly Parameter gamma;

    /// <summary>Creates the scale with every channel at <paramref name="init"/>.</summary>
    public LayerScale(int dim, double init) : base("ls")
    {
        gamma = new Parameter(torch.full(dim, init));
        register_parameter("gamma", gamma);
    }

    /// <summary><c>x * gamma</c>.</summary>
    public override Tensor forward(Tensor x) => x * gamma;
}
