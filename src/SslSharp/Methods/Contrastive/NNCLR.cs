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
/// NNCLR: contrastive learning where each view's embedding is replaced by its nearest neighbour in a
/// support queue of earlier embeddings, which must then pick out the other view's prediction.
/// </summary>
/// <remarks>
/// <para>Dwibedi, Aytar, Tompson, Sermanet, Zisserman, "With a Little Help from My Friends:
/// Nearest-Neighbor Contrastive Learning of Visual Representations" (ICCV 2021), Algorithm 1. No
/// official code; reference implementations solo-learn <c>solo/methods/nnclr.py</c> and lightly
/// <c>examples/pytorch/nnclr.py</c>. docs/methods.md#nnclr.</para>
/// <para>One step: <c>z_v = projector(backbone(x_v))</c>, <c>p_v = predictor(z_v)</c> for both views (one
/// backbone call per view); loss = <see cref="NNCLRLoss.Compute(Tensor, Tensor, Tensor, Tensor, Tensor, double)"/>
/// against the support queue (no gradient through the neighbours); after the optimizer step
/// <c>norm(z1)</c> (detached) is enqueued. The queue starts as normalised noise.</para>
/// <para>Several processes (<see cref="SslMethod.ProcessGroup"/>): the projections are gathered without gradient (they only
/// pick neighbours) and the predictions with gradient, every process computes the loss of the global batch, and the
/// gathered <c>norm(z1)</c> of all processes is enqueued, so every process keeps the same support set
/// (docs/distributed.md).</para>
/// <para>Projector with BN after every layer and a predictor (<see cref="ContrastiveHeads"/>); defaults in
/// <see cref="NNCLROptions"/> (the paper's ImageNet runs use a queue of 98304, solo-learn's CIFAR preset T 0.2). The
/// queue size must be a multiple of the global batch.</para>
/// </remarks>
public sealed class NNCLR : ProjectedMethod<ProjectionHead>
{
    private readonly ProjectionHead predictor;
    private readonly MemoryQueue queue;
    private readonly PendingEnqueue pending = new();

    /// <summary>Creates NNCLR around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="NNCLROptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public NNCLR(Backbone backbone, NNCLROptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.PredictorHiddenDim, options.Temperature, options.QueueSize, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="NNCLROptions"/>).</summary>
    private NNCLR(Backbone backbone, int hiddenDim, int outputDim, int predictorHiddenDim, double temperature, int queueSize, long seed)
        : base(nameof(NNCLR), backbone, b =>
        {
            LossChecks.Temperature("NNCLR", temperature, "paper 0.1, solo-learn CIFAR 0.2");
            if (queueSize < 1)
                throw new ArgumentOutOfRangeException(nameof(queueSize), queueSize, "The NNCLR support-queue size must be >= 1 and a multiple of the batch size (paper: 98304, default 65536).");
            return ContrastiveHeads.NNCLRProjector(b.FeatureDim, hiddenDim, outputDim, seed);
        })
    {
        predictor = ContrastiveHeads.NNCLRPredictor(outputDim, predictorHiddenDim, seed + 1);
        queue = new MemoryQueue(queueSize, outputDim, QueueInitialization.NormalizedNoise, seed + 2);
        Temperature = temperature;
        register_module("predictor", predictor);
        register_module("queue", queue);
    }

    /// <summary>The predictor (embeddings to predictions).</summary>
    public ProjectionHead Predictor => predictor;

    /// <summary>The support queue of normalised embeddings <c>[K, outputDim]</c>.</summary>
    public MemoryQueue Queue => queue;

    /// <summary>The softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>Throws a clear error when the queue size is not a multiple of <paramref name="batchSize"/>.</summary>
    /// <exception cref="ArgumentException">The queue size is not a multiple of the batch.</exception>
    public void CheckBatchSize(long batchSize) => QueueChecks.Divisible("NNCLR", queue.Size, batchSize, batchSize, symmetric: false);

    /// <summary>Enqueues view 0's normalised embeddings of the last forward pass.</summary>
    public override void OnAfterOptimizerStep(TrainingProgress progress) => pending.Flush(queue);

    /// <summary>
    /// The NNCLR loss of the first two global views, with view 0's features <c>[N, D]</c> and projector
    /// embeddings <c>[N, E]</c> (detached); <c>norm(z1)</c> is held for <see cref="OnAfterOptimizerStep"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or images, or a batch the queue size is not a multiple of.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        var group = ProcessGroup;
        CheckBatchSize(views.BatchSize * group.WorldSize);   // every process enqueues the projections of the global batch
        using var scope = torch.NewDisposeScope();
        var (h1, z) = ViewEncoder.EncodeSeparately(views, 2, Encoder, Projector.call);
        var (z1, z2) = (z[0], z[1]);
        var p1 = predictor.call(z1);
        var p2 = predictor.call(z2);
        // Several processes: the loss of the global batch on every process (solo-learn gathers the predictions with
        // gradient); the gather's backward hands each process the gradient of its own rows.
        var z1All = group.AllGatherNoGradient(z1);
        var loss = NNCLRLoss.Compute(z1All, group.AllGatherNoGradient(z2), group.AllGatherWithGradient(p1), group.AllGatherWithGradient(p2),
            queue.Items, Temperature);
        pending.Set(nn.functional.normalize(z1All, p: 2, dim: 1, eps: NTXentLoss.NormEps));
        return ViewEncoder.Output(loss, h1, z1);
    }

    /// <summary>Frees the pending embeddings and the modules.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) pending.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>nnclr</c>: binds <see cref="NNCLROptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new NNCLR(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<NNCLROptions>("nnclr"));
}
