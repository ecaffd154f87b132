using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Heads;
using SslSharp.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Methods.Correlation;

/// <summary>
/// Barlow Twins: a backbone and a wide projector trained so that the cross-correlation matrix of the
/// two views' batch-standardised embeddings is the identity; no negatives, no teacher.
/// </summary>
/// <remarks>
/// <para>Zbontar, Jing, Misra, LeCun, Deny, "Barlow Twins: Self-Supervised Learning via Redundancy
/// Reduction" (ICML 2021). Reference code: facebookresearch/barlowtwins <c>main.py</c>
/// (<c>BarlowTwins</c>, <c>LARS</c>, <c>adjust_learning_rate</c>); solo-learn
/// <c>solo/methods/barlow_twins.py</c>. docs/methods.md#barlow-twins.</para>
/// <para>One step: each of the first two global views goes through the backbone and the projector
/// separately (as the reference), then <see cref="BarlowTwinsLoss.Compute"/> (which standardises each
/// view as the reference's <c>BatchNorm1d(affine=False)</c> does). Further views are ignored.</para>
/// <para>Projector (the reference's <c>--projector 8192-8192-8192</c>): <c>[Linear(no bias) - BN - ReLU] x 2 -
/// Linear(no bias)</c>. Optimizer groups (the reference's two LARS groups): weights (ndim &gt; 1) with
/// weight decay and LARS adaptation at <c>0.2 x</c> the scheduled lr, biases and BN parameters without
/// either at <c>0.0048 x</c>; the reference's schedule peaks at <c>batch / 256</c>, i.e. base lr 1.0 with
/// linear scaling (see the presets).</para>
/// </remarks>
public sealed class BarlowTwins : ProjectedMethod<ProjectionHead>
{
    /// <summary>The paper's projector width (all three layers).</summary>
    public const int DefaultProjectorDim = 8192;

    /// <summary>The reference's lr multiplier of the weights (<c>--learning-rate-weights</c>).</summary>
    public const double DefaultLrWeights = 0.2;

    /// <summary>The reference's lr multiplier of biases and BN parameters (<c>--learning-rate-biases</c>).</summary>
    public const double DefaultLrBiases = 0.0048;

    /// <summary>Creates Barlow Twins.</summary>
    /// <param name="backbone">The encoder; Barlow Twins takes ownership.</param>
    /// <param name="hiddenDim">Width of the two hidden projector layers (paper: 8192).</param>
    /// <param name="outputDim">Embedding width <c>D</c> (paper: 8192).</param>
    /// <param name="lambda">Off-diagonal weight (paper: 0.0051).</param>
    /// <param name="scaleLoss">Factor on the loss (1; 0.024 first official release, 0.1 solo-learn CIFAR).</param>
    /// <param name="lrWeights">Lr multiplier of the weight group (0.2).</param>
    /// <param name="lrBiases">Lr multiplier of the bias / BN group (0.0048).</param>
    /// <param name="seed">Seed of the projector's initialisation.</param>
    /// <exception cref="ArgumentException">A width, lambda, scale or lr multiplier is invalid.</exception>
    public BarlowTwins(Backbone backbone, int hiddenDim = DefaultProjectorDim, int outputDim = DefaultProjectorDim,
        double lambda = BarlowTwinsLoss.DefaultLambda, double scaleLoss = 1.0, double lrWeights = DefaultLrWeights,
        double lrBiases = DefaultLrBiases, long seed = 0)
        : base(nameof(BarlowTwins), backbone, b =>
        {
            if (!(lambda >= 0) || double.IsInfinity(lambda))
                throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The Barlow Twins lambda must be a finite number >= 0 (paper: 0.0051).");
            if (!(scaleLoss > 0) || double.IsInfinity(scaleLoss))
                throw new ArgumentOutOfRangeException(nameof(scaleLoss), scaleLoss, "The Barlow Twins scale_loss must be a finite number > 0 (default 1).");
            if (!(lrWeights > 0) || double.IsInfinity(lrWeights))
                throw new ArgumentOutOfRangeException(nameof(lrWeights), lrWeights, "The weight-group lr multiplier must be a finite number > 0 (reference: 0.2).");
            if (!(lrBiases > 0) || double.IsInfinity(lrBiases))
                throw new ArgumentOutOfRangeException(nameof(lrBiases), lrBiases, "The bias-group lr multiplier must be a finite number > 0 (reference: 0.0048).");
            return new ProjectionHead(b.FeatureDim, new[] { hiddenDim, hiddenDim }, outputDim, batchNorm: true,
                hiddenBias: false, lastBias: false, seed: seed, name: "BarlowTwinsProjector");
        })
    {
        Lambda = lambda;
        ScaleLoss = scaleLoss;
        LrWeights = lrWeights;
        LrBiases = lrBiases;
    }

    /// <summary>Off-diagonal weight lambda.</summary>
    public double Lambda { get; }

    /// <summary>Factor on the loss.</summary>
    public double ScaleLoss { get; }

    /// <summary>Lr multiplier of the weight group.</summary>
    public double LrWeights { get; }

    /// <summary>Lr multiplier of the bias / BN group.</summary>
    public double LrBiases { get; }

    /// <summary>
    /// Two groups as the reference: <c>weights</c> (ndim &gt; 1; weight decay and LARS adaptation, lr x
    /// <see cref="LrWeights"/>) and <c>bias_norm</c> (ndim &lt;= 1; neither, lr x <see cref="LrBiases"/>).
    /// </summary>
    public override IReadOnlyList<ParameterGroup> ParameterGroups() =>
        Core.ParameterGroups.SplitDecay(this)
            .Select(g => g with { LrScale = g.WeightDecay ? LrWeights : LrBiases })
            .ToArray();

    /// <summary>
    /// Encodes and projects the first two global views (one backbone call each) and returns the Barlow
    /// Twins loss with view 0's features <c>[N, F]</c> and embeddings <c>[N, D]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images (the batch
    /// standardisation of one image is undefined).</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var (h0, z) = ViewEncoder.EncodeSeparately(views, 2, Encoder, Projector.call);
        return ViewEncoder.Output(BarlowTwinsLoss.Compute(z[0], z[1], Lambda, ScaleLoss), h0, z[0]);
    }

    /// <summary>
    /// Builds Barlow Twins from settings: <c>hidden_dim</c>, <c>output_dim</c> (8192), <c>lambda</c> (0.0051),
    /// <c>scale_loss</c> (1), <c>lr_weights</c> (0.2), <c>lr_biases</c> (0.0048), <c>seed</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid or unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int hidden = settings.GetInt("hidden_dim", DefaultProjectorDim);
        int output = settings.GetInt("output_dim", DefaultProjectorDim);
        double lambda = settings.GetDouble("lambda", BarlowTwinsLoss.DefaultLambda);
        double scale = settings.GetDouble("scale_loss", 1.0);
        double lrWeights = settings.GetDouble("lr_weights", DefaultLrWeights);
        double lrBiases = settings.GetDouble("lr_biases", DefaultLrBiases);
        long seed = settings.GetLong("seed", 0);
        settings.ThrowIfUnused("barlowtwins", new[] { "hidden_dim", "output_dim", "lambda", "scale_loss", "lr_weights", "lr_biases", "seed" });
        return new BarlowTwins(backbone, hidden, output, lambda, scale, lrWeights, lrBiases, seed);
    }

    /// <summary>What <c>sslsharp methods</c> shows.</summary>
    public static MethodDescription Description { get; } = new("correlation",
        "Zbontar et al. 2021, Barlow Twins: Self-Supervised Learning via Redundancy Reduction",
        "hidden_dim=8192 output_dim=8192 lambda=0.0051 scale_loss=1 lr_weights=0.2 lr_biases=0.0048");
}
