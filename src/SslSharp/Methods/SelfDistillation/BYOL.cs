using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Heads;
using SslSharp.Losses;
using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.SelfDistillation;

/// <summary>
/// BYOL: an online network (backbone, projector, predictor) learns to predict the projection that a slowly
/// moving target network (an EMA of backbone and projector) gives to another view of the same image.
/// </summary>
/// <remarks>
/// <para>Grill et al., "Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning"
/// (NeurIPS 2020); reference code deepmind-research <c>byol/</c> (<c>byol_experiment.py</c>,
/// <c>utils/networks.py</c> <c>MLP</c>), solo-learn <c>solo/methods/byol.py</c>. docs/methods.md#byol.</para>
/// <para>One step: the first two global views are concatenated and encoded by one online call (BatchNorm
/// statistics cover both views) and one target call without gradient; the loss is
/// <see cref="BYOLLoss.Compute"/> (the two directions summed). After the optimizer step the target
/// follows <c>xi &lt;- tau xi + (1 - tau) theta</c> with
/// <c>tau = 1 - (1 - tau0)(1 + cos(pi k / K)) / 2</c> (<see cref="EmaMomentum"/>).</para>
/// <para>Projector and predictor are deepmind's MLP: <c>Linear(bias) - BN - ReLU - Linear(no bias)</c>,
/// widths in <see cref="BYOLOptions"/>. The target is two <see cref="EmaTeacher{TModule}"/>s (state-dict keys
/// <c>momentum_backbone.module.*</c>, <c>momentum_projector.module.*</c>, as solo-learn names them), so
/// it is saved in every checkpoint.</para>
/// </remarks>
public sealed class BYOL : ProjectedMethod<ProjectionHead>
{
    private readonly ProjectionHead predictor;
    private readonly EmaTeacher<Backbone> momentum_backbone;
    private readonly EmaTeacher<ProjectionHead> momentum_projector;
    private readonly EmaMomentum momentum;

    /// <summary>Creates BYOL around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="BYOLOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public BYOL(Backbone backbone, BYOLOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).ProjectorHiddenDim, options.OutputDim, options.PredictorHiddenDim, options.BaseMomentum, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="BYOLOptions"/>).</summary>
    private BYOL(Backbone backbone, int projectorHiddenDim, int outputDim, int predictorHiddenDim, double baseMomentum, long seed)
        : base(nameof(BYOL), backbone, b =>
        {
            EmaMomentum.Check(baseMomentum, nameof(baseMomentum), "The BYOL target momentum", "paper: 0.99 or 0.996");
            return Mlp(b.FeatureDim, projectorHiddenDim, outputDim, seed, "BYOLProjectionHead");
        })
    {
        predictor = Mlp(outputDim, predictorHiddenDim, outputDim, seed + 1, "BYOLPredictionHead");
        momentum_backbone = new EmaTeacher<Backbone>(backbone, backbone.CreateTwin(), "momentum_backbone");
        momentum_projector = new EmaTeacher<ProjectionHead>(Projector, Projector.CreateTwin(), "momentum_projector");
        momentum = new EmaMomentum(baseMomentum);
        register_module("predictor", predictor);
        register_module("momentum_backbone", momentum_backbone);
        register_module("momentum_projector", momentum_projector);
    }

    /// <summary>The online predictor (<c>[N, OutputDim]</c> to <c>[N, OutputDim]</c>).</summary>
    public ProjectionHead Predictor => predictor;

    /// <summary>The target backbone (EMA of <see cref="SslMethod.Encoder"/>).</summary>
    public EmaTeacher<Backbone> TargetBackbone => momentum_backbone;

    /// <summary>The target projector (EMA of <see cref="ProjectedMethod{TProjector}.Projector"/>).</summary>
    public EmaTeacher<ProjectionHead> TargetProjector => momentum_projector;

    /// <summary>Target momentum at step 0, <c>tau0</c>.</summary>
    public double BaseMomentum => momentum.Base;

    /// <summary>
    /// Encodes the first two global views with the online and the target network and returns the BYOL loss
    /// with view 0's features <c>[N, D]</c> and online projections <c>[N, E]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var pass = ViewEncoder.Encode(views, 2, Encoder, Projector.call, x => momentum_projector.Module.call(momentum_backbone.Module.call(x)));
        var p = predictor.call(pass.GroupEmbeddings);                             // [2N, E]
        var (p1, p2) = ViewEncoder.Halves(p);
        var (t1, t2) = ViewEncoder.Halves(pass.Target!);                          // [N, E] each, no gradient
        var loss = BYOLLoss.Compute(p1, p2, t1, t2);
        return pass.Output(loss);
    }

    /// <summary>Moves the target towards the online network with the cosine momentum of this step.</summary>
    public override void OnAfterOptimizerStep(TrainingProgress progress)
    {
        double m = momentum.At(progress);
        momentum_backbone.Update(m);
        momentum_projector.Update(m);
    }

    /// <summary>BYOL's MLP: <c>Linear(in, hidden, bias) - BN - ReLU - Linear(hidden, out, no bias)</c> (deepmind <c>networks.MLP</c>).</summary>
    /// <param name="inputDim">Input width.</param>
    /// <param name="hiddenDim">Hidden width (4096).</param>
    /// <param name="outputDim">Output width (256).</param>
    /// <param name="seed">Seed of the initialisation.</param>
    /// <param name="name">Module name.</param>
    public static ProjectionHead Mlp(int inputDim, int hiddenDim = 4096, int outputDim = 256, long seed = 0, string name = "BYOLProjectionHead") =>
        new(inputDim, new[] { hiddenDim }, outputDim, batchNorm: true, hiddenBias: true, lastBias: false, seed: seed, name: name);

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>byol</c>: binds <see cref="BYOLOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new BYOL(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<BYOLOptions>("byol"));
}
