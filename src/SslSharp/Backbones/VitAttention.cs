using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// Multi-head self-attention over tokens <c>[N, T, D]</c>: one linear map to queries, keys and values
/// (<c>qkv</c>, <c>[3D, D]</c>), <c>softmax(Q K^T / sqrt(d_h)) V</c> per head through
/// <c>scaled_dot_product_attention</c>, heads concatenated and projected (<c>proj</c>, <c>[D, D]</c>).
/// </summary>
/// <remarks>Vaswani et al. 2017; the layout of timm's <c>Attention</c> (qkv split as <c>[3, heads, d_h]</c>).</remarks>
public sealed class VitAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int heads;

    /// <summary>Creates the attention layer.</summary>
    /// <param name="dim">Token width <c>D</c>, a multiple of <paramref name="heads"/>.</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="qkvBias">Whether the qkv projection has a bias.</param>
    public VitAttention(int dim, int heads, bool qkvBias) : base("attn")
    {
        this.heads = heads;
        qkv = nn.Linear(dim, 3L * dim, hasBias: qkvBias);
        proj = nn.Linear(dim, dim);
        register_module("qkv", qkv);
        register_module("proj", proj);
    }

    /// <summary>Attention output <c>[N, T, D]</c> for tokens <c>[N, T, D]</c>.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long n = x.shape[0], t = x.shape[1], d = x.shape[2];
        var parts = qkv.call(x).reshape(n, t, 3, heads, d / heads).permute(2, 0, 3, 1, 4); // [3, N, H, T, d_h]
        var attended = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]); // [N, H, T, d_h]
        return proj.call(attended.transpose(1, 2).reshape(n, t, d)).MoveToOuterDisposeScope();
    }
}
