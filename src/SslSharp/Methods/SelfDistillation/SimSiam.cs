using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Heads;
using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.SelfDistillation;

/// <summary>
/// SimSiam: one network (backbone, projector, predictor) predicts its own projection of another view of
/// the image, with a stop-gradient on the target and no negatives and no momentum encoder.
/// </summary>
/// <remarks>
/// <para>Chen &amp; He, "Exploring Simple Siamese Representation Learning" (CVPR 2021); reference code
/// facebookresearch/simsiam (<c>simsiam/builder.py</c>, <c>main_simsiam.py</c>). docs/methods.md#simsiam.</para>
/// <para>Projector: 3 layers, <c>[Linear(no bias) - BN - ReLU] x 2 - Linear - BN(affine=False)</c> (the
/// reference's last Linear has a frozen bias that the BN cancels; here it has none). Predictor:
/// <c>Linear(no bias) - BN - ReLU - Linear(bias)</c>, 2048-512-2048. Loss <see cref="SimSiamLoss"/>.</para>
/// <para>The predictor keeps a constant learning rate (the paper's "fix-pred-lr", section 4.2 and the
/// <c>--fix-pred-lr</c> option): <see cref="ParameterGroups"/> marks its groups <c>FixedLr</c>. The
/// reference applies weight decay to every parameter; SslSharp's groups exclude biases and norm
/// parameters as for every other method.</para>
/// <para><see cref="StopGradient"/> = false removes the stop-gradient: the paper's section 4.1 shows that
/// this collapses to a constant output. It exists for collapse experiments (diagnostics tests); never
/// train a real model with it.</para>
/// </remarks>
public sealed class SimSiam : ProjectedMethod<ProjectionHead>
{
    private readonly ProjectionHead predictor;

    /// <summary>Creates SimSiam around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="SimSiamOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public SimSiam(Backbone backbone, SimSiamOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).ProjectorHiddenDim, options.OutputDim, options.PredictorHiddenDim, options.StopGradient, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="SimSiamOptions"/>).</summary>
    private SimSiam(Backbone backbone, int projectorHiddenDim, int outputDim, int predictorHiddenDim, bool stopGradient, long seed)
        : base(nameof(SimSiam), backbone, b => new ProjectionHead(b.FeatureDim, new[] { projectorHiddenDim, projectorHiddenDim }, outputDim,
            batchNorm: true, hiddenBias: false, lastBias: false, lastBatchNorm: true, lastBatchNormAffine: false, seed: seed,
            name: "SimSiamProjectionHead"))
    {
        predictor = new ProjectionHead(outputDim, new[] { predictorHiddenDim }, outputDim,
            batchNorm: true, hiddenBias: false, lastBias: true, seed: seed + 1, name: "SimSiamPredictionHead");
        StopGradient = stopGradient;
        register_module("predictor", predictor);
    }

    /// <summary>The predictor (<c>[N, OutputDim]</c> to <c>[N, OutputDim]</c>).</summary>
    public ProjectionHead Predictor => predictor;

    /// <summary>Whether the targets are detached (true except in collapse experiments).</summary>
    public bool StopGradient { get; }

    /// <summary>
    /// The default groups (no weight decay on biases and norms), with the predictor's parameters in groups
    /// of their own (<c>predictor_*</c>) that keep a constant learning rate (<c>FixedLr</c>).
    /// </summary>
    public override IReadOnlyList<ParameterGroup> ParameterGroups()
    {
        var inPredictor = predictor.parameters().Select(p => p.Handle).ToHashSet();
        var groups = new List<ParameterGroup>();
        foreach (var g in Core.ParameterGroups.SplitDecay(this))
        {
            var rest = g.Parameters.Where(p => !inPredictor.Contains(p.Handle)).ToList();
            if (rest.Count > 0) groups.Add(g with { Parameters = rest });
        }
        foreach (var g in Core.ParameterGroups.SplitDecay(predictor, "predictor_"))
            groups.Add(g with { FixedLr = true });
        return groups;
    }

    /// <summary>
    /// Encodes and projects the first two global views (one call on <c>[2N, C, H, W]</c>), predicts, and returns
    /// the SimSiam loss with view 0's features <c>[N, D]</c> and projections <c>[N, E]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var pass = ViewEncoder.Encode(views, 2, Encoder, Projector.call);
        var (z1, z2) = (pass.Embeddings[0], pass.Embeddings[1]);
        var (p1, p2) = ViewEncoder.Halves(predictor.call(pass.GroupEmbeddings));   // one predictor call on [2N, E]
        return pass.Output(SimSiamLoss.Compute(p1, p2, z1, z2, StopGradient));
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>simsiam</c>: binds <see cref="SimSiamOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new SimSiam(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<SimSiamOptions>("simsiam"));
}
