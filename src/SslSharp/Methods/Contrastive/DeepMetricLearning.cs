using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Heads;
using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// Classic deep metric learning as self-supervision: a backbone and projector trained with the triplet
/// margin loss or the Hadsell contrastive (margin) loss, where the positive of an image is its other
/// augmented view and the negative is another image of the batch (hardest, semi-hard or random).
/// </summary>
/// <remarks>
/// <para>The cookbook's origins of the contrastive family (Balestriero et al. 2023):
/// Hadsell, Chopra, LeCun (CVPR 2006) and the triplet loss of Weinberger and Saul (2009) / FaceNet
/// (Schroff et al. 2015); batch-hard mining from Hermans et al. (2017). docs/methods.md#triplet-and-contrastive-margin-losses. Losses:
/// <see cref="TripletMarginLoss"/>, <see cref="ContrastiveMarginLoss"/>; negatives:
/// <see cref="BatchNegatives"/>.</para>
/// <para>One step: the first two global views go through one backbone and projector call; the 2N
/// embeddings are (by default) L2-normalised, as FaceNet does, so that the margin has a fixed scale
/// (distances lie in [0, 2]); every one of the 2N rows is an anchor with its other view as the positive
/// and one negative from another image. Projector: SimCLR's v1 (<c>Linear(D, D) - BN - ReLU -
/// Linear(D, 128)</c>). Margin 1.0 (PyTorch's default).</para>
/// <para>Batch-hard triplets can collapse: when all embeddings coincide, <c>d(a,p) = d(a,n)</c>, the loss
/// sits at the margin and its gradient is zero (the reason FaceNet used semi-hard negatives,
/// <see cref="NegativeMining.SemiHard"/>; measurements in docs/experiments.md#triplet). The Hadsell loss's pull term
/// has no such fixed point.</para>
/// <para>The random-mining generator is re-seeded at every step from (seed, step) (<see cref="OnStepStart"/>),
/// so a resumed run draws the same negatives as an uninterrupted one.</para>
/// <para>Several processes (<see cref="SslMethod.ProcessGroup"/>): negatives are mined from the global batch. The
/// embeddings are gathered with gradient and every process computes the loss of the global batch (random mining draws
/// the same negatives everywhere), so the step equals one process with the global batch (docs/distributed.md).</para>
/// </remarks>
public sealed class DeepMetricLearning : ProjectedMethod<ProjectionHead>
{
    private readonly StepSeededGenerator? randomNegatives;
    private const long MiningStream = 0x544D; // "TM"

    /// <summary>Creates DeepMetricLearning around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="TripletOptions"/> or <see cref="ContrastiveMarginOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public DeepMetricLearning(Backbone backbone, MarginMethodOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).Loss, options.Margin, options.Negatives, options.Normalize, options.HiddenDim, options.OutputDim, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="MarginMethodOptions"/>).</summary>
    private DeepMetricLearning(Backbone backbone, MarginLossKind loss, double margin, NegativeMining mining, bool normalize, int? hiddenDim, int outputDim, long seed)
        : base(loss == MarginLossKind.Triplet ? "Triplet" : "ContrastiveMargin", backbone, b =>
        {
            if (!(margin > 0) || double.IsInfinity(margin))
                throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be a finite number > 0 (default 1.0).");
            if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown margin loss.");
            if (!Enum.IsDefined(mining)) throw new ArgumentOutOfRangeException(nameof(mining), mining, "Unknown negative mining.");
            return ProjectionHead.SimCLRv1(b.FeatureDim, hiddenDim ?? b.FeatureDim, outputDim, seed);
        })
    {
        Loss = loss;
        Margin = margin;
        Mining = mining;
        Normalize = normalize;
        if (mining == NegativeMining.Random) randomNegatives = new StepSeededGenerator(seed, MiningStream);
    }

    /// <summary>The margin loss.</summary>
    public MarginLossKind Loss { get; }

    /// <summary>The margin <c>m</c>.</summary>
    public double Margin { get; }

    /// <summary>How negatives are chosen.</summary>
    public NegativeMining Mining { get; }

    /// <summary>Whether embeddings are L2-normalised before the loss.</summary>
    public bool Normalize { get; }

    /// <summary>
    /// Encodes and projects the first two global views, mines one negative per anchor and returns the
    /// margin loss over the 2N anchors, with view 0's features <c>[N, D]</c> and embeddings <c>[N, E]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var (h0, z) = ViewEncoder.Encode(views, 2, Encoder, Projector.call);
        var e1 = Normalize ? nn.functional.normalize(z[0], p: 2, dim: 1, eps: NTXentLoss.NormEps) : z[0];
        var e2 = Normalize ? nn.functional.normalize(z[1], p: 2, dim: 1, eps: NTXentLoss.NormEps) : z[1];
        var group = ProcessGroup;
        var loss = Compute(group.AllGatherWithGradient(e1), group.AllGatherWithGradient(e2), Loss, Margin, Mining, randomNegatives?.Generator);
        return ViewEncoder.Output(loss, h0, z[0]);
    }

    /// <summary>
    /// The in-batch margin loss of two views: anchors <c>[e1; e2]</c>, positives <c>[e2; e1]</c>, negatives
    /// from <see cref="BatchNegatives.Select"/>, averaged over the 2N anchors (symmetric in the views).
    /// </summary>
    /// <param name="e1">View-1 embeddings <c>[N, E]</c>.</param>
    /// <param name="e2">View-2 embeddings <c>[N, E]</c>.</param>
    /// <param name="loss">Triplet or contrastive margin loss.</param>
    /// <param name="margin">Margin <c>m &gt; 0</c>.</param>
    /// <param name="mining">How negatives are chosen.</param>
    /// <param name="generator">Generator for random mining.</param>
    /// <returns>The scalar loss.</returns>
    public static Tensor Compute(Tensor e1, Tensor e2, MarginLossKind loss, double margin, NegativeMining mining, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(e1);
        ArgumentNullException.ThrowIfNull(e2);
        if (e1.dim() != 2 || !e1.shape.SequenceEqual(e2.shape))
            throw new ArgumentException(
                $"The two views' embeddings must be [N, E] of one shape but are [{string.Join(", ", e1.shape)}] and [{string.Join(", ", e2.shape)}].");
        using var scope = torch.NewDisposeScope();
        var anchors = torch.cat(new[] { e1, e2 }, 0);      // [2N, E]
        var positives = torch.cat(new[] { e2, e1 }, 0);    // [2N, E]
        var negatives = anchors.index_select(0, BatchNegatives.Select(anchors, mining, generator));
        var value = loss == MarginLossKind.Triplet
            ? TripletMarginLoss.Compute(anchors, positives, negatives, margin)
            : ContrastiveMarginLoss.Compute(anchors, positives, negatives, margin);
        return value.MoveToOuterDisposeScope();
    }

    /// <summary>Re-seeds the random-mining generator from (seed, step): the draws are a pure function of the step.</summary>
    public override void OnStepStart(TrainingProgress progress) =>
        randomNegatives?.Reseed(progress.Step);

    /// <summary>Disposes the modules and the mining generator.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) randomNegatives?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>triplet</c>: binds <see cref="TripletOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod CreateTriplet(Backbone backbone, MethodSettings settings) =>
        new DeepMetricLearning(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<TripletOptions>("triplet"));

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>contrastive-margin</c>: binds <see cref="ContrastiveMarginOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod CreateContrastive(Backbone backbone, MethodSettings settings) =>
        new DeepMetricLearning(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<ContrastiveMarginOptions>("contrastive-margin"));
}
