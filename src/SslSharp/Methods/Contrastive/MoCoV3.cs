using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Heads;
using SslSharp.Losses;
using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// MoCo v3: a query encoder (backbone + projector + predictor) trained so that each view's query picks
/// out the momentum encoder's key of the other view among the batch's keys; no queue.
/// </summary>
/// <remarks>
/// <para>Chen, Xie, He, "An Empirical Study of Training Self-Supervised Vision Transformers" (ICCV
/// 2021). Reference code: facebookresearch/moco-v3 <c>moco/builder.py</c> (<c>MoCo_ResNet</c>,
/// <c>contrastive_loss</c>), <c>main_moco.py</c> (<c>adjust_moco_momentum</c>, <c>--moco-t</c> 1.0,
/// <c>--moco-m</c> 0.99, <c>--moco-m-cos</c>). docs/methods.md#moco-v3.</para>
/// <para>One step: <see cref="OnStepStart"/> moves the momentum encoder with
/// <c>m = 1 - (1 - m0)(1 + cos(pi t / T)) / 2</c> (the reference updates at the top of
/// <c>forward</c> with the momentum of iteration t, which is what this does); then
/// <c>q_v = predictor(projector(backbone(x_v)))</c> for both views (one backbone call per view, as the
/// reference, so BatchNorm statistics are per view), <c>k_v = momentum_encoder(x_v)</c> without gradient,
/// loss = <see cref="MoCoV3Loss.Compute(Tensor, Tensor, Tensor, Tensor, double)"/>
/// (<c>ctr(q1, k2) + ctr(q2, k1)</c>, each x 2T).</para>
/// <para>ResNet heads: a projector ending in <c>BN(affine=False)</c> and a predictor, no biases
/// (<see cref="ContrastiveHeads"/>); defaults in <see cref="MoCoV3Options"/> (T 0.2 for ViTs and solo-learn's CIFAR
/// preset).</para>
/// </remarks>
public sealed class MoCoV3 : ProjectedMethod<ProjectionHead>
{
    private readonly ProjectionHead predictor;
    private readonly MomentumEncoder momentumEncoder;
    private readonly EmaMomentum momentum;

    /// <summary>Creates MoCoV3 around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="MoCoV3Options"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public MoCoV3(Backbone backbone, MoCoV3Options options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.PredictorHiddenDim, options.Temperature, options.BaseMomentum, options.FinalMomentum, options.ProjectorLayers, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="MoCoV3Options"/>).</summary>
    private MoCoV3(Backbone backbone, int hiddenDim, int outputDim, int? predictorHiddenDim, double temperature, double baseMomentum, double finalMomentum, int projectorLayers, long seed)
        : base(nameof(MoCoV3), backbone, b =>
        {
            LossChecks.Temperature("MoCo v3", temperature, "MoCo v3 1.0 for ResNets, 0.2 for ViTs");
            EmaMomentum.Check(baseMomentum, nameof(baseMomentum), "MoCo v3's base momentum", "MoCo v2 0.999, MoCo v3 0.99");
            EmaMomentum.Check(finalMomentum, nameof(finalMomentum), "MoCo v3's final momentum", "MoCo v3 1.0");
            return ContrastiveHeads.MoCoV3Projector(b.FeatureDim, hiddenDim, outputDim, projectorLayers, seed);
        })
    {
        predictor = ContrastiveHeads.MoCoV3Predictor(outputDim, predictorHiddenDim ?? hiddenDim, seed + 1);
        momentumEncoder = new MomentumEncoder(backbone, Projector);
        Temperature = temperature;
        BaseMomentum = baseMomentum;
        FinalMomentum = finalMomentum;
        momentum = new EmaMomentum(baseMomentum, finalMomentum);
        register_module("predictor", predictor);
        register_module("momentum_encoder", momentumEncoder);
    }

    /// <summary>The predictor (embeddings to queries).</summary>
    public ProjectionHead Predictor => predictor;

    /// <summary>The momentum encoder (EMA of backbone + projector).</summary>
    public MomentumEncoder MomentumEncoder => momentumEncoder;

    /// <summary>The softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>Momentum at step 0.</summary>
    public double BaseMomentum { get; }

    /// <summary>Momentum at the last step.</summary>
    public double FinalMomentum { get; }

    /// <summary>Moves the momentum encoder with this step's cosine momentum.</summary>
    public override void OnStepStart(TrainingProgress progress) =>
        momentumEncoder.Update(momentum.At(progress));

    /// <summary>
    /// The symmetric MoCo v3 loss of the first two global views, with view 0's features <c>[N, D]</c> and
    /// projector embeddings <c>[N, E]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var x1 = views.Views[0];
        var x2 = views.Views[1];
        var h1 = Encoder.call(x1);
        var z1 = Projector.call(h1);
        var q1 = predictor.call(z1);
        var q2 = predictor.call(Projector.call(Encoder.call(x2)));
        var k1 = momentumEncoder.call(x1);
        var k2 = momentumEncoder.call(x2);
        // Several processes: the keys of all processes, without gradient, are the negatives (facebookresearch/moco-v3
        // contrastive_loss: concat_all_gather(k), labels arange(N) + N x rank).
        var group = ProcessGroup;
        var loss = group.WorldSize == 1
            ? MoCoV3Loss.Compute(q1, q2, k1, k2, Temperature)
            : MoCoV3Loss.Compute(q1, q2, group.AllGatherNoGradient(k1), group.AllGatherNoGradient(k2), group.RowOffset(k1.shape[0]), Temperature);
        return new StepOutput(loss.MoveToOuterDisposeScope(), h1.detach().MoveToOuterDisposeScope(), z1.detach().MoveToOuterDisposeScope());
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>mocov3</c>: binds <see cref="MoCoV3Options"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new MoCoV3(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<MoCoV3Options>("mocov3"));
}
