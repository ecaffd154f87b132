using SslSharp.Backbones;
using SslSharp.Core;
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
/// </remarks>
public sealed class DeepMetricLearning : ProjectedMethod<ProjectionHead>
{
    private readonly StepSeededGenerator? randomNegatives;
    private const long MiningStream = 0x544D; // "TM"

    /// <summary>Creates a triplet or Hadsell contrastive method.</summary>
    /// <param name="backbone">The encoder; the method takes ownership.</param>
    /// <param name="loss">Triplet or contrastive margin loss.</param>
    /// <param name="margin">Margin <c>m &gt; 0</c> (default 1.0).</param>
    /// <param name="mining">How each anchor's negative is chosen (default: hardest).</param>
    /// <param name="normalize">L2-normalise the embeddings before the loss (default true).</param>
    /// <param name="hiddenDim">Projector hidden width (default: the backbone's <c>FeatureDim</c>).</param>
    /// <param name="outputDim">Projector output width (default 128).</param>
    /// <param name="seed">Seed of the projector initialisation and of random mining.</param>
    /// <exception cref="ArgumentException">A width or the margin is invalid.</exception>
    public DeepMetricLearning(Backbone backbone, MarginLossKind loss = MarginLossKind.Triplet, double margin = 1.0,
        NegativeMining mining = NegativeMining.Hardest, bool normalize = true, int? hiddenDim = null, int outputDim = 128, long seed = 0)
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
        var loss = Compute(e1, e2, Loss, Margin, Mining, randomNegatives?.Generator);
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

    /// <summary>Registry factory of <c>triplet</c>; settings <c>margin</c>, <c>negatives</c>
    /// (<c>hardest</c>, <c>semi-hard</c> or <c>random</c>; see <see cref="NegativeMining"/>),
    /// <c>normalize</c>, <c>hidden_dim</c>, <c>output_dim</c>, <c>seed</c>.</summary>
    public static SslMethod CreateTriplet(Backbone backbone, MethodSettings settings) => Create(backbone, settings, MarginLossKind.Triplet);

    /// <summary>Registry factory of <c>contrastive-margin</c>; settings as <see cref="CreateTriplet"/>.</summary>
    public static SslMethod CreateContrastive(Backbone backbone, MethodSettings settings) => Create(backbone, settings, MarginLossKind.Contrastive);

    private static DeepMetricLearning Create(Backbone backbone, MethodSettings s, MarginLossKind loss)
    {
        ArgumentNullException.ThrowIfNull(s);
        double margin = s.GetDouble("margin", 1.0);
        var mining = s.GetChoice("negatives", "hardest", "hardest", "semi-hard", "random") switch
        {
            "semi-hard" => NegativeMining.SemiHard,
            "random" => NegativeMining.Random,
            _ => NegativeMining.Hardest,
        };
        bool normalize = s.GetBool("normalize", true);
        int? hidden = s.GetInt("hidden_dim", (int?)null);
        int output = s.GetInt("output_dim", 128);
        long seed = s.GetLong("seed", 0);
        s.ThrowIfUnused(loss == MarginLossKind.Triplet ? "triplet" : "contrastive-margin",
            new[] { "margin", "negatives", "normalize", "hidden_dim", "output_dim", "seed" });
        return new DeepMetricLearning(backbone, loss, margin, mining, normalize, hidden, output, seed);
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
}
