using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Heads;
using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods;

/// <summary>
/// SimCLR: a backbone and a projector MLP trained with the NT-Xent loss so that two augmented views
/// of an image pick each other out among all other views in the batch.
/// </summary>
/// <remarks>
/// <para>Chen, Kornblith, Norouzi, Hinton, "A Simple Framework for Contrastive Learning of Visual
/// Representations" (ICML 2020); v2 projector from Chen et al. (NeurIPS 2020). Reference code:
/// google-research/simclr (<c>tf2/model.py</c>, <c>tf2/objective.py</c>), lightly
/// <c>examples/pytorch/simclr.py</c>, solo-learn <c>solo/methods/simclr.py</c>.</para>
/// <para>One step: both global views are concatenated, encoded by one backbone call and one
/// projector call (so BatchNorm statistics cover the 2N images, as in google's code), then
/// <see cref="NTXentLoss.Compute(Tensor, Tensor, double)"/> is applied to the two halves. Only the
/// first two global views are used; further views (multi-crop) are ignored.</para>
/// <para>Several processes (<see cref="SslMethod.ProcessGroup"/>): both views' embeddings are all-gathered with gradient
/// and each process scores its own anchors against all <c>2 x W x N</c> rows, so the loss and gradients equal one
/// process with the global batch (docs/distributed.md).</para>
/// <para>Projector v1 <c>Linear(D, D) - BN - ReLU - Linear(D, out)</c>, hidden width = the backbone's feature width as
/// in the paper's ResNet-50 2048-2048-128; defaults in <see cref="SimCLROptions"/> (the paper's CIFAR-10 temperature;
/// 0.1 on ImageNet with large batches, 0.2 is solo-learn's CIFAR preset).</para>
/// </remarks>
public sealed class SimCLR : ProjectedMethod<nn.Module<Tensor, Tensor>>
{
    /// <summary>Creates SimCLR around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="SimCLROptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public SimCLR(Backbone backbone, SimCLROptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.Temperature, options.ProjectorLayers, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="SimCLROptions"/>).</summary>
    private SimCLR(Backbone backbone, int? hiddenDim, int outputDim, double temperature, int projectorLayers, long seed)
        : this(backbone, MakeProjector(backbone, hiddenDim, outputDim, projectorLayers, seed), temperature, outputDim)
    {
    }

    /// <summary>Creates SimCLR with a custom projector.</summary>
    /// <param name="backbone">The encoder; SimCLR takes ownership.</param>
    /// <param name="projector">Maps features <c>[N, backbone.FeatureDim]</c> to embeddings <c>[N, E]</c>;
    /// SimCLR takes ownership.</param>
    /// <param name="temperature">NT-Xent temperature <c>T &gt; 0</c> (null: <see cref="SimCLROptions.Temperature"/>'s default).</param>
    public SimCLR(Backbone backbone, nn.Module<Tensor, Tensor> projector, double? temperature = null)
        : this(backbone, projector, temperature ?? new SimCLROptions().Temperature, null)
    {
    }

    private SimCLR(Backbone backbone, nn.Module<Tensor, Tensor> projector, double temperature, int? outputDim)
        : base(nameof(SimCLR), backbone, _ =>
        {
            ArgumentNullException.ThrowIfNull(projector);
            if (!(temperature > 0) || double.IsInfinity(temperature))
                throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                    "The SimCLR temperature must be a finite number > 0 (0.1 ImageNet, 0.5 CIFAR).");
            return projector;
        })
    {
        Temperature = temperature;
        OutputDim = outputDim ?? (projector as ProjectionHead)?.OutputDim;
    }

    /// <summary>The NT-Xent temperature.</summary>
    public double Temperature { get; }

    /// <summary>The embedding width when known (the built-in projectors), else null.</summary>
    public int? OutputDim { get; }

    /// <summary>
    /// Encodes the first two global views (one backbone call on <c>[2N, C, H, W]</c>), projects them and
    /// returns the NT-Xent loss with view 0's features <c>[N, D]</c> and embeddings <c>[N, E]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var (h0, z) = ViewEncoder.Encode(views, 2, Encoder, Projector.call);
        // Several processes: negatives from the global batch, gathered with gradient (google-research/simclr
        // tpu_cross_replica_concat, lightly gather_distributed); this process's anchors start at rank x N.
        var group = ProcessGroup;
        var loss = group.WorldSize == 1
            ? NTXentLoss.Compute(z[0], z[1], Temperature)
            : NTXentLoss.Compute(z[0], z[1], group.AllGatherWithGradient(z[0]), group.AllGatherWithGradient(z[1]),
                group.RowOffset(z[0].shape[0]), Temperature);
        return ViewEncoder.Output(loss, h0, z[0]);
    }

    private static ProjectionHead MakeProjector(Backbone backbone, int? hiddenDim, int outputDim, int layers, long seed)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        int hidden = hiddenDim ?? backbone.FeatureDim;
        return layers switch
        {
            2 => ProjectionHead.SimCLRv1(backbone.FeatureDim, hidden, outputDim, seed),
            3 => ProjectionHead.SimCLRv2(backbone.FeatureDim, hidden, outputDim, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(layers), layers,
                "SimCLR's projector has 2 layers (v1) or 3 layers (v2); pass a custom projector for other depths."),
        };
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>simclr</c>: binds <see cref="SimCLROptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new SimCLR(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<SimCLROptions>("simclr"));
}
