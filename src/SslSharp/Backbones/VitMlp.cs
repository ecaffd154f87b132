using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>The MLP of a transformer block: <c>fc1</c> (<c>D</c> to hidden), exact (erf) GELU, <c>fc2</c> (hidden to
/// <c>D</c>), on tokens <c>[N, T, D]</c> (timm's <c>Mlp</c>).</summary>
public sealed class VitMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly nn.Module<Tensor, Tensor> act;

    /// <summary>Creates the MLP.</summary>
    /// <param name="dim">Token width <c>D</c>.</param>
    /// <param name="hidden">Hidden width.</param>
    public VitMlp(int dim, int hidden) : base("mlp")
    {
        fc1 = nn.Linear(dim, hidden);
        act = nn.GELU();
        fc2 = nn.Linear(hidden, dim);
        register_module("fc1", fc1);
        register_module("act", act);
        register_module("fc2", fc2);
    }

    /// <summary><c>[N, T, D]</c> to <c>[N, T, D]</c>.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return fc2.call(act.call(fc1.call(x))).MoveToOuterDisposeScope();
    }
}
