using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// A pre-norm transformer block on tokens <c>[N, T, D]</c>:
/// <c>x + DropPath(LS1(Attn(LN1(x))))</c>, then <c>x + DropPath(LS2(MLP(LN2(x))))</c>.
/// </summary>
/// <remarks>timm's <c>Block</c> (state-dict keys <c>norm1.*</c>, <c>attn.qkv.*</c>, <c>attn.proj.*</c>,
/// <c>ls1.gamma</c>, <c>norm2.*</c>, <c>mlp.fc1.*</c>, <c>mlp.fc2.*</c>, <c>ls2.gamma</c>); LayerNorm eps 1e-6.
/// LayerScale only when an init is given.</remarks>
public sealed class VitBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly VitAttention attn;
    private readonly LayerScale? ls1;
    private readonly DropPath drop_path;
    private readonly LayerNorm norm2;
    private readonly VitMlp mlp;
    private readonly LayerScale? ls2;

    /// <summary>Creates the block.</summary>
    /// <param name="dim">Token width <c>D</c>.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="mlpHidden">Hidden width of the MLP.</param>
    /// <param name="qkvBias">Whether the qkv projection has a bias.</param>
    /// <param name="dropPath">Stochastic-depth rate of this block.</param>
    /// <param name="layerScaleInit">LayerScale init, or null for none.</param>
    /// <param name="generator">Where the stochastic-depth draws come from.</param>
    public VitBlock(int dim, int heads, int mlpHidden, bool qkvBias, double dropPath, double? layerScaleInit, Generator generator)
        : base("block")
    {
        norm1 = nn.LayerNorm(dim, eps: 1e-6);
        attn = new VitAttention(dim, heads, qkvBias);
        norm2 = nn.LayerNorm(dim, eps: 1e-6);
        mlp = new VitMlp(dim, mlpHidden);
        drop_path = new DropPath(dropPath, generator);
        register_module("norm1", norm1);
        register_module("attn", attn);
        if (layerScaleInit is { } init)
        {
            ls1 = new LayerScale(dim, init);
            ls2 = new LayerScale(dim, init);
            register_module("ls1", ls1);
        }
        register_module("drop_path", drop_path);
        register_module("norm2", norm2);
        register_module("mlp", mlp);
        if (ls2 is not null) register_module("ls2", ls2);
    }

    /// <summary>Tokens <c>[N, T, D]</c> to <c>[N, T, D]</c>.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var a = attn.call(norm1.call(x));
        if (ls1 is not null) a = ls1.call(a);
        x = x + drop_path.call(a);
        var m = mlp.call(norm2.call(x));
        if (ls2 is not null) m = ls2.call(m);
        return (x + drop_path.call(m)).MoveToOuterDisposeScope();
    }
}
