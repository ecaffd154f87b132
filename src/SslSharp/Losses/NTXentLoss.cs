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

    /// <summary>Computes the loss of two views' embeddings; see <see cref="Compute(Tensor, Tensor, double)"/>.</summary>
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
        var a1 = nn.functional.normalize(z1, p: 2, dim: 1, eps: NormEps);
        var a2 = nn.functional.normalize(z2, p: 2, dim: 1, eps: NormEps);
        return Core(a1, a2, a1, a2, 0, temperature).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// NT-Xent across processes: this process's 2B anchors (<paramref name="z1"/>, <paramref name="z2"/>)
    /// against all 2M embeddings of the global batch (<paramref name="z1All"/>, <paramref name="z2All"/>,
    /// gathered from every process <i>with gradient</i>, in rank order), averaged over the local anchors.
    /// </summary>
    /// <remarks>
    /// <para>With an all-gather whose backward all-reduces (sums) the gradient and returns this
    /// process's slice, and gradients averaged over the W processes, this gives exactly the gradient of
    /// the single-process loss on the global batch (docs/distributed.md; lightly
    /// <c>NTXentLoss(gather_distributed=True)</c>, solo-learn <c>simclr_loss_func</c>). Anchor i of
    /// view 1 excludes column <c>offset + i</c> (itself) and targets column <c>M + offset + i</c>; view 2
    /// the other way round. A wrong offset leaves the loss stuck near ln(2M - 1), so the rows of the
    /// gathered tensors at <paramref name="offset"/> are checked to equal the local rows.</para>
    /// <para>With one process (<c>z1All = z1</c>, <c>z2All = z2</c>, offset 0) this is
    /// <see cref="Compute(Tensor, Tensor, double)"/>.</para>
    /// </remarks>
    /// <param name="z1">This process's view-1 embeddings, <c>[B, D]</c>.</param>
    /// <param name="z2">This process's view-2 embeddings, <c>[B, D]</c>.</param>
    /// <param name="z1All">View-1 embeddings of all processes, <c>[M, D]</c> (M = W x B), with gradient.</param>
    /// <param name="z2All">View-2 embeddings of all processes, <c>[M, D]</c>, with gradient.</param>
    /// <param name="offset">Index of this process's first row in the gathered tensors (rank x B).</param>
    /// <param name="temperature">Softmax temperature <c>T &gt; 0</c>.</param>
    /// <returns>The scalar loss averaged over this process's 2B anchors.</returns>
    /// <exception cref="ArgumentException">Inconsistent shapes, a bad offset, M &lt; 2, or non-finite input.</exception>
    public static Tensor Compute(Tensor z1, Tensor z2, Tensor z1All, Tensor z2All, long offset, double temperature = 0.5)
    {
        using var scope = torch.NewDisposeScope();
        CheckTemperature(temperature);
        ArgumentNullException.ThrowIfNull(z1All);
        ArgumentNullException.ThrowIfNull(z2All);
        if (z1.dim() != 2 || z2.dim() != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException(
                $"NT-Xent needs local views [B, D] of one shape but got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}].");
        if (z1All.dim() != 2 || !z1All.shape.SequenceEqual(z2All.shape) || z1All.shape[1] != z1.shape[1])
            throw new ArgumentException(
                $"NT-Xent needs gathered views [M, {z1.shape[1]}] of one shape but got [{string.Join(", ", z1All.shape)}] and [{string.Join(", ", z2All.shape)}].");
        long b = z1.shape[0], m = z1All.shape[0];
        if (b < 1 || offset < 0 || offset + b > m)
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"The local rows [{offset}, {offset + b}) must lie inside the {m} gathered rows; pass offset = rank x local batch size.");
        if (m < 2)
            throw new ArgumentException($"NT-Xent needs a global batch of at least 2 images (got {m}): a batch of 1 has no negatives.");
        LossChecks.Finite("NT-Xent", z1, z2);
        LossChecks.That(() => z1All.narrow(0, offset, b).equal(z1).logical_and(z2All.narrow(0, offset, b).equal(z2)),
            $"Rows [{offset}, {offset + b}) of the gathered embeddings are not this process's embeddings: the offset " +
            "(rank x local batch size) or the gather order is wrong.");
        var a1 = nn.functional.normalize(z1, p: 2, dim: 1, eps: NormEps);
        var a2 = nn.functional.normalize(z2, p: 2, dim: 1, eps: NormEps);
        var c1 = nn.functional.normalize(z1All, p: 2, dim: 1, eps: NormEps);
        var c2 = nn.functional.normalize(z2All, p: 2, dim: 1, eps: NormEps);
        return Core(a1, a2, c1, c2, offset, temperature).MoveToOuterDisposeScope();
    }

    /// <summary>Anchors [a1; a2] ([2B, D], normalised) against candidates [c1; c2] ([2M, D], normalised).</summary>
    private static Tensor Core(Tensor a1, Tensor a2, Tensor c1, Tensor c2, long offset, double temperature)
    {
        long b = a1.shape[0], m = c1.shape[0];
        var device = a1.device;
        var anchors = torch.cat(new[] { a1, a2 }, 0);      // [2B, D]
        var candidates = torch.cat(new[] { c1, c2 }, 0);   // [2M, D]
        // logits: [2B, 2M] cosine similarities / T; each anchor's own column is removed from the softmax.
        using Scalar t = temperature, rows = b, shift = offset, perView = m, minusInfinity = double.NegativeInfinity;   // held: see Augment/Functional/ScalarCache
        var logits = torch.mm(anchors, candidates.t()).div(t);
        var local = torch.arange(rows, dtype: ScalarType.Int64, device: device) + shift;
        var selfColumn = torch.cat(new[] { local, local + perView }, 0);      // [2B]
        var self = nn.functional.one_hot(selfColumn, 2 * m).to_type(ScalarType.Bool);   // [2B, 2M]
        logits = logits.masked_fill(self, minusInfinity);
        // Target: the other view of the same image (view 1 -> column M + offset + i, view 2 -> offset + i).
        var targets = torch.cat(new[] { local + perView, local }, 0);
        return nn.functional.cross_entropy(logits, targets);
    }

    /// <summary>Throws a clear error when <see cref="Compute(Tensor, Tensor, double)"/> cannot use these inputs.</summary>
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
        LossChecks.Finite("NT-Xent", z1, z2);
    }

    private static void CheckTemperature(double temperature)
    {
        LossChecks.Temperature("NT-Xent", temperature, "SimCLR uses 0.1 on ImageNet, 0.5 on CIFAR");
    }
}
