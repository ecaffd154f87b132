using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The normalised temperature-scaled cross-entropy loss (NT-Xent) of SimCLR: every embedding must
/// pick out its other view among all other embeddings of the batch.
/// </summary>
/// <remarks>
/// <para>Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations"
/// (SimCLR, ICML 2020), eq. 1; reference code google-research/simclr <c>objective.py</c>
/// (<c>add_contrastive_loss</c>) and lightly <c>lightly/loss/ntx_ent_loss.py</c>.</para>
/// <para>With <c>z = [norm(z1); norm(z2)]</c> (<c>[2N, D]</c>, row-wise L2 norm with eps 1e-12), every
/// one of the 2N rows is an anchor whose logits are <c>cos(i, j) / T</c> over the other 2N-1 rows
/// (self excluded) and whose target is its other view. The loss is the cross-entropy averaged over
/// all 2N anchors (lightly's convention). google-research/simclr sums the two directions, which is
/// exactly twice this value.</para>
/// <para>The module form holds only the temperature; it has no state.</para>
/// </remarks>
public sealed class NTXentLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Row-wise L2 normalisation epsilon (as <c>torch.nn.functional.normalize</c>).</summary>
    public const double NormEps = 1e-12;

    /// <summary>Creates the module form of the loss with a fixed temperature.</summary>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c> (0.1 ImageNet, 0.5 CIFAR in google's README).</param>
    public NTXentLoss(double temperature = 0.5) : base(nameof(NTXentLoss))
    {
        CheckTemperature(temperature);
        Temperature = temperature;
    }

    /// <summary>The softmax temperature <c>T</c>.</summary>
    public double Temperature { get; }

    /// <summary>Computes the loss of two views' embeddings; see <see cref="Compute"/>.</summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c>.</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>; row i is the positive of row i of <paramref name="z1"/>.</param>
    /// <returns>The scalar loss (0-d tensor).</returns>
    public override Tensor forward(Tensor z1, Tensor z2) => Compute(z1, z2, Temperature);

    /// <summary>
    /// NT-Xent of two views: the mean over all 2N anchors of the cross-entropy of the anchor's
    /// cosine similarities to the other 2N-1 embeddings (divided by <paramref name="temperature"/>),
    /// with the anchor's other view as the target.
    /// </summary>
    /// <param name="z1">Embeddings of view 1, <c>[N, D]</c> (need not be normalised).</param>
    /// <param name="z2">Embeddings of view 2, <c>[N, D]</c>; row i is the positive of row i of <paramref name="z1"/>.</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c>.</param>
    /// <returns>The scalar loss (0-d tensor, differentiable w.r.t. both inputs).</returns>
    /// <exception cref="ArgumentException">Shapes differ or are not 2-D, N &lt; 2, T is not positive,
    /// or an input holds NaN/infinity.</exception>
    public static Tensor Compute(Tensor z1, Tensor z2, double temperature = 0.5)
    {
        using var scope = torch.NewDisposeScope();
        CheckInputs(z1, z2, temperature);
        long n = z1.shape[0];
        // z: [2N, D], rows L2-normalised.
        var z = torch.cat(new[]
        {
            nn.functional.normalize(z1, p: 2, dim: 1, eps: NormEps),
            nn.functional.normalize(z2, p: 2, dim: 1, eps: NormEps),
        }, 0);
        // logits: [2N, 2N] cosine similarities / T with the diagonal (self) removed from the softmax.
        var logits = torch.mm(z, z.t()).div(temperature);
        var self = torch.eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        logits = logits.masked_fill(self, double.NegativeInfinity);
        // Target of anchor i is its other view: i + N for the first view, i - N for the second.
        var idx = torch.arange(n, dtype: ScalarType.Int64, device: z.device);
        var targets = torch.cat(new[] { idx + n, idx }, 0);
        var loss = nn.functional.cross_entropy(logits, targets);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Throws a clear error when <see cref="Compute"/> cannot use these inputs.</summary>
    internal static void CheckInputs(Tensor z1, Tensor z2, double temperature)
    {
        ArgumentNullException.ThrowIfNull(z1);
        ArgumentNullException.ThrowIfNull(z2);
        CheckTemperature(temperature);
        if (z1.dim() != 2 || z2.dim() != 2)
            throw new ArgumentException(
                $"NT-Xent expects two embeddings [N, D] but got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}]. " +
                "Flatten the projector output to [N, D].");
        if (!z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException(
                $"NT-Xent needs both views with one shape [N, D] but got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}]; " +
                "row i of z1 and row i of z2 must be two views of image i.");
        if (z1.shape[0] < 2)
            throw new ArgumentException(
                $"NT-Xent needs a batch of at least 2 images (a batch of {z1.shape[0]} has no negatives). Increase the batch size.");
        if (z1.shape[1] < 1)
            throw new ArgumentException("NT-Xent needs embeddings with at least one dimension (D >= 1).");
        if (!z1.isfinite().all().item<bool>() || !z2.isfinite().all().item<bool>())
            throw new ArgumentException(
                "NT-Xent got NaN or infinite embeddings: training has diverged (lower the learning rate, " +
                "check the data for NaN, or enable gradient clipping).");
    }

    private static void CheckTemperature(double temperature)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                "The NT-Xent temperature must be a finite number > 0 (SimCLR uses 0.1 on ImageNet, 0.5 on CIFAR).");
    }
}
