using SslSharp.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Heads;

/// <summary>
/// A bank of <c>K</c> trainable prototype vectors <c>C</c> (<c>[K, D]</c>) that scores embeddings
/// <c>[N, D]</c> as <c>z C^T</c> (<c>[N, K]</c>): SwAV's (and DeepCluster v2's) clustering layer.
/// </summary>
/// <remarks>
/// <para>Caron et al., SwAV (NeurIPS 2020); facebookresearch/swav <c>src/resnet50.py</c>
/// (<c>self.prototypes = nn.Linear(output_dim, nmb_prototypes, bias=False)</c>) and
/// <c>main_swav.py</c>, which L2-normalises the prototype rows in place, without gradient, at the start
/// of every iteration (<see cref="NormalizeRows"/>). With normalised embeddings and rows the scores are
/// cosine similarities in [-1, 1], which is what keeps the Sinkhorn exponentials finite.</para>
/// <para>The parameter is named <c>weight</c> (state-dict key <c>prototypes.weight</c> inside a method, as
/// the reference). Initialisation: PyTorch's default <c>nn.Linear</c> init from a seeded generator.</para>
/// </remarks>
public sealed class Prototypes : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    /// <summary>Creates <paramref name="count"/> prototypes of width <paramref name="dim"/>.</summary>
    /// <param name="dim">Embedding width <c>D</c> (SwAV: 128).</param>
    /// <param name="count">Number of prototypes <c>K</c> (SwAV: 3000).</param>
    /// <param name="seed">Seed of the initialisation.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public Prototypes(int dim, int count = 3000, long seed = 0, string name = nameof(Prototypes)) : base(name)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "The prototype width must be >= 1 (the projector's output width).");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of prototypes K must be >= 1 (SwAV: 3000).");
        Dim = dim;
        Count = count;
        weight = new Parameter(torch.empty(count, dim));
        using var generator = new Generator((ulong)seed);
        WeightInit.TorchDefault(weight, null, generator);
        register_parameter("weight", weight);
    }

    /// <summary>Embedding width <c>D</c>.</summary>
    public int Dim { get; }

    /// <summary>Number of prototypes <c>K</c>.</summary>
    public int Count { get; }

    /// <summary>The prototype vectors <c>[K, D]</c> (the trainable parameter itself).</summary>
    public Parameter Weight => weight;

    /// <summary>Scores <c>z C^T</c>, <c>[N, K]</c>, of embeddings <c>[N, D]</c>.</summary>
    /// <exception cref="ArgumentException">The input is not <c>[N, D]</c>.</exception>
    public override Tensor forward(Tensor embeddings)
    {
        if (embeddings.dim() != 2 || embeddings.shape[1] != Dim)
            throw new ArgumentException(
                $"{GetName()} expects embeddings [N, {Dim}] but got [{string.Join(", ", embeddings.shape)}]. " +
                "Set the prototype width to the projector's output width.", nameof(embeddings));
        return embeddings.mm(weight.t());
    }

    /// <summary>L2-normalises every prototype row in place, without gradient (SwAV does this before every step).</summary>
    public void NormalizeRows()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        weight.copy_(nn.functional.normalize(weight, p: 2, dim: 1));
    }
}
