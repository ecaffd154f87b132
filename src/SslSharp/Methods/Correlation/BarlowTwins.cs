using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
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
    /// <summary>Creates BarlowTwins around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="BarlowTwinsOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public BarlowTwins(Backbone backbone, BarlowTwinsOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.Lambda, options.ScaleLoss, options.LrWeights, options.LrBiases, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="BarlowTwinsOptions"/>).</summary>
    private BarlowTwins(Backbone backbone, int hiddenDim, int outputDim, double lambda, double scaleLoss, double lrWeights, double lrBiases, long seed)
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
        // Several processes: standardisation and cross-correlation over the global batch, on the embeddings gathered with
        // gradient (the same matrix as facebookresearch/barlowtwins' SyncBN + all_reduce(c) / global batch).
        var group = ProcessGroup;
        var loss = BarlowTwinsLoss.Compute(group.AllGatherWithGradient(z[0]), group.AllGatherWithGradient(z[1]), Lambda, ScaleLoss);
        return ViewEncoder.Output(loss, h0, z[0]);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>barlowtwins</c>: binds <see cref="BarlowTwinsOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new BarlowTwins(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<BarlowTwinsOptions>("barlowtwins"));
}
