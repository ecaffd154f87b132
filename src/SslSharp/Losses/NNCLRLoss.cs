using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The NNCLR loss: each view's embedding is replaced by its nearest neighbour in a support set, which
/// must then pick out the other view's prediction among the batch:
/// <c>1/2 CE(NN(z1) p2^T / T, arange) + 1/2 CE(NN(z2) p1^T / T, arange)</c>.
/// </summary>
/// <remarks>
/// <para>Dwibedi, Aytar, Tompson, Sermanet, Zisserman, "With a Little Help from My Friends: Nearest-
/// Neighbor Contrastive Learning of Visual Representations" (ICCV 2021), Algorithm 1 and eq. 2;
/// reference implementations solo-learn <c>solo/methods/nnclr.py</c> + <c>solo/losses/nnclr.py</c> and
/// lightly <c>NNMemoryBankModule</c>. docs/methods.md#nnclr.</para>
/// <para><c>NN(z)</c> is the support row with the largest cosine similarity to <c>norm(z)</c>; the
/// support rows are used as stored (the method keeps them L2-normalised). No gradient flows through
/// the lookup: the loss depends on <c>z</c> only through which row is chosen, and on the predictions
/// <c>p</c> with gradient. Each direction is <see cref="CrossViewInfoNCELoss.OneDirection"/>.</para>
/// </remarks>
public static class NNCLRLoss
{
    private const string Name = "The NNCLR loss";

    /// <summary>Index of the most cosine-similar support row for every row of <paramref name="z"/>.</summary>
    /// <param name="z">Embeddings <c>[N, D]</c> (normalised here).</param>
    /// <param name="support">Support set <c>[K, D]</c>, expected L2-normalised.</param>
    /// <returns>Indices <c>[N]</c> (int64) into the support set.</returns>
    /// <exception cref="ArgumentException">Shapes do not fit or an input is not finite.</exception>
    public static Tensor NearestNeighbourIndices(Tensor z, Tensor support)
    {
        LossChecks.Matrix(Name, "embeddings", z);
        LossChecks.Matrix(Name, "the support set", support);
        if (support.shape[1] != z.shape[1])
            throw new ArgumentException(
                $"{Name} needs support rows as wide as the embeddings ({z.shape[1]}) but the support set is [{string.Join(", ", support.shape)}]. " +
                "Build the support queue with the projector's output width.");
        LossChecks.Finite(Name, z, support);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var zn = nn.functional.normalize(z.detach(), p: 2, dim: 1, eps: NTXentLoss.NormEps);
        var similarity = torch.mm(zn, support.detach().to_type(zn.dtype).t());   // [N, K]
        return similarity.argmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>The support rows nearest to each row of <paramref name="z"/>, <c>[N, D]</c>, detached.</summary>
    /// <param name="z">Embeddings <c>[N, D]</c>.</param>
    /// <param name="support">Support set <c>[K, D]</c>, expected L2-normalised.</param>
    public static Tensor NearestNeighbours(Tensor z, Tensor support)
    {
        using var scope = torch.NewDisposeScope();
        var idx = NearestNeighbourIndices(z, support);
        return support.detach().index_select(0, idx).to_type(z.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The NNCLR loss of two views: nearest neighbours of <paramref name="z1"/> and <paramref name="z2"/>
    /// in <paramref name="support"/> contrasted with the other view's predictions.
    /// </summary>
    /// <param name="z1">Projector outputs of view 1, <c>[N, D]</c> (only pick the neighbours).</param>
    /// <param name="z2">Projector outputs of view 2, <c>[N, D]</c>.</param>
    /// <param name="p1">Predictor outputs of view 1, <c>[N, D]</c> (normalised here; gradient flows).</param>
    /// <param name="p2">Predictor outputs of view 2, <c>[N, D]</c>.</param>
    /// <param name="support">Support set <c>[K, D]</c>, L2-normalised rows.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c> (paper 0.1, solo-learn CIFAR 0.2).</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    /// <exception cref="ArgumentException">Shapes differ, N &lt; 2, or an input is not finite.</exception>
    public static Tensor Compute(Tensor z1, Tensor z2, Tensor p1, Tensor p2, Tensor support, double temperature = 0.1)
    {
        LossChecks.Matrix(Name, "z1", z1);
        LossChecks.SameShape(Name, "z1", z1, "z2", z2);
        LossChecks.SameShape(Name, "z1", z1, "p1", p1);
        LossChecks.SameShape(Name, "z1", z1, "p2", p2);
        using var scope = torch.NewDisposeScope();
        var nn1 = NearestNeighbours(z1, support);
        var nn2 = NearestNeighbours(z2, support);
        return Compute(nn1, nn2, p1, p2, temperature).MoveToOuterDisposeScope();
    }

    /// <summary>The loss given the neighbours: <c>1/2 CE(nn1 p2^T / T) + 1/2 CE(nn2 p1^T / T)</c>, all rows normalised.</summary>
    /// <param name="nn1">Neighbours of view 1, <c>[N, D]</c> (no gradient expected).</param>
    /// <param name="nn2">Neighbours of view 2, <c>[N, D]</c>.</param>
    /// <param name="p1">Predictions of view 1, <c>[N, D]</c>.</param>
    /// <param name="p2">Predictions of view 2, <c>[N, D]</c>.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c>.</param>
    public static Tensor Compute(Tensor nn1, Tensor nn2, Tensor p1, Tensor p2, double temperature = 0.1)
    {
        LossChecks.Matrix(Name, "nn1", nn1);
        LossChecks.SameShape(Name, "nn1", nn1, "nn2", nn2);
        LossChecks.SameShape(Name, "nn1", nn1, "p1", p1);
        LossChecks.SameShape(Name, "nn1", nn1, "p2", p2);
        using var scope = torch.NewDisposeScope();
        var a = CrossViewInfoNCELoss.OneDirection(nn1, p2, temperature, 0, Name);
        var b = CrossViewInfoNCELoss.OneDirection(nn2, p1, temperature, 0, Name);
        using Scalar half = 0.5;   // held: see Augment/Functional/ScalarCache
        return a.add(b).mul(half).MoveToOuterDisposeScope();
    }
}
