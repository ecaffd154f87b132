using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Heads;
using SslSharp.Losses;
using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Clustering;

/// <summary>
/// SwAV: online clustering with swapped prediction. The crops' normalised embeddings are scored
/// against trainable prototypes; the Sinkhorn codes of each global crop are predicted from every other
/// crop's scores. Multi-crop (2 global + N local views), an optional embedding queue for small batches.
/// </summary>
/// <remarks>
/// <para>Caron, Misra, Mairal, Goyal, Bojanowski, Joulin, "Unsupervised Learning of Visual Features by
/// Contrasting Cluster Assignments" (NeurIPS 2020). Reference code: facebookresearch/swav
/// <c>main_swav.py</c> and <c>src/resnet50.py</c>; solo-learn <c>solo/methods/swav.py</c>. docs/methods.md#swav.</para>
/// <para>One step, as the reference: <see cref="OnStepStart"/> L2-normalises the prototype rows (no
/// gradient); the backbone runs once per resolution group; the projector (<c>Linear - BN - ReLU - Linear</c>,
/// biases on) runs once on all crops; embeddings are L2-normalised and scored against the prototypes;
/// <see cref="SwAVLoss.Compute"/> gives the loss, with each global crop's queue of past embeddings
/// prepended to the Sinkhorn input once that queue is full. <see cref="OnAfterBackward"/> drops the
/// prototypes' gradient during the first <see cref="FreezePrototypesSteps"/> steps (so the optimizer
/// leaves them untouched, as <c>p.grad = None</c> does in the reference); <see cref="OnAfterOptimizerStep"/>
/// enqueues this step's global embeddings from epoch <see cref="QueueStartEpoch"/> on.</para>
/// <para>The queue: one <see cref="MemoryQueue"/> per global crop (zeros, <see cref="QueueLength"/> rows),
/// filled from epoch <see cref="QueueStartEpoch"/> and used once full (the reference tests that its
/// last row is non-zero). Its length must be a multiple of the batch. SwAV runs in fp32: the
/// Sinkhorn exponentials of <c>scores / 0.05</c> are not safe in half precision.</para>
/// <para>Several processes (<see cref="SslMethod.ProcessGroup"/>): the codes come from one Sinkhorn problem over the
/// global batch (maximum, total and prototype sums all-reduced, <see cref="Sinkhorn"/>); every process enqueues the
/// gathered embeddings of all processes, so the queues are identical everywhere (and a checkpoint resumes on any
/// number of processes), and each process puts its own block of <c>QueueLength / W</c> queue rows into the Sinkhorn
/// input, so every queued embedding counts once, as with one process. The queue length must then be a multiple of
/// the global batch. (facebookresearch/swav keeps a queue per process instead.)</para>
/// <para>Defaults (the paper's and reference's arguments: no queue, <c>--queue_length 0</c>; the small-batch recipe
/// starts a queue at epoch 15) in <see cref="SwAVOptions"/>.</para>
/// </remarks>
public sealed class SwAV : ProjectedMethod<ProjectionHead>
{
    /// <summary>Global crops that get codes (the reference's <c>crops_for_assign = [0, 1]</c>).</summary>
    public const int AssignedCrops = 2;

    private readonly Prototypes prototypes;
    private readonly MemoryQueue[] queueList;
    private Tensor[]? pending;

    /// <summary>Creates SwAV around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="SwAVOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public SwAV(Backbone backbone, SwAVOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.Prototypes, options.Temperature, options.Epsilon, options.SinkhornIterations, options.QueueLength, options.QueueStartEpoch, options.FreezePrototypesSteps, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="SwAVOptions"/>).</summary>
    private SwAV(Backbone backbone, int hiddenDim, int outputDim, int prototypeCount, double temperature, double epsilon, int sinkhornIterations, int queueLength, int queueStartEpoch, int freezePrototypesSteps, long seed)
        : base(nameof(SwAV), backbone, b =>
        {
            if (!(temperature > 0) || double.IsInfinity(temperature))
                throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The SwAV temperature must be a finite number > 0 (0.1).");
            if (!(epsilon > 0) || double.IsInfinity(epsilon))
                throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The Sinkhorn epsilon must be a finite number > 0 (0.05).");
            if (sinkhornIterations < 1)
                throw new ArgumentOutOfRangeException(nameof(sinkhornIterations), sinkhornIterations, "Sinkhorn needs at least 1 iteration (3).");
            if (queueLength < 0)
                throw new ArgumentOutOfRangeException(nameof(queueLength), queueLength, "The SwAV queue length must be >= 0 (0 turns the queue off; 3840 for batch 256).");
            if (queueStartEpoch < 0)
                throw new ArgumentOutOfRangeException(nameof(queueStartEpoch), queueStartEpoch, "The queue start epoch must be >= 0 (reference: 15).");
            if (freezePrototypesSteps < 0)
                throw new ArgumentOutOfRangeException(nameof(freezePrototypesSteps), freezePrototypesSteps, "The prototype freeze must be >= 0 steps (reference: 313).");
            return new ProjectionHead(b.FeatureDim, new[] { hiddenDim }, outputDim, batchNorm: true, hiddenBias: true,
                lastBias: true, seed: seed, name: "SwAVProjectionHead");
        })
    {
        prototypes = new Prototypes(outputDim, prototypeCount, seed + 1);
        prototypes.NormalizeRows();
        Temperature = temperature;
        Epsilon = epsilon;
        SinkhornIterations = sinkhornIterations;
        QueueLength = queueLength;
        QueueStartEpoch = queueStartEpoch;
        FreezePrototypesSteps = freezePrototypesSteps;
        register_module("prototypes", prototypes);
        if (queueLength > 0)
        {
            queueList = Enumerable.Range(0, AssignedCrops)
                .Select(i => new MemoryQueue(queueLength, outputDim, QueueInitialization.Zeros, name: $"queue{i}")).ToArray();
            register_module("queue", nn.ModuleList(queueList));
        }
        else
        {
            queueList = Array.Empty<MemoryQueue>();
        }
    }

    /// <summary>The prototypes <c>C</c> (<c>[K, D]</c>).</summary>
    public Prototypes Prototypes => prototypes;

    /// <summary>The per-global-crop embedding queues (empty when <see cref="QueueLength"/> is 0).</summary>
    public IReadOnlyList<MemoryQueue> Queues => queueList;

    /// <summary>Softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>Sinkhorn entropy regularisation.</summary>
    public double Epsilon { get; }

    /// <summary>Sinkhorn-Knopp iterations.</summary>
    public int SinkhornIterations { get; }

    /// <summary>Rows per global-crop queue (0: no queue).</summary>
    public int QueueLength { get; }

    /// <summary>First epoch whose embeddings are enqueued.</summary>
    public int QueueStartEpoch { get; }

    /// <summary>Steps (from step 0) during which the prototypes' gradient is dropped.</summary>
    public int FreezePrototypesSteps { get; }

    /// <summary>L2-normalises the prototype rows (no gradient), as the reference does before every step.</summary>
    public override void OnStepStart(TrainingProgress progress) => prototypes.NormalizeRows();

    /// <summary>Drops the prototypes' gradient during the first <see cref="FreezePrototypesSteps"/> steps.</summary>
    public override void OnAfterBackward(TrainingProgress progress)
    {
        if (progress.Step >= FreezePrototypesSteps) return;
        var grad = prototypes.Weight.grad;
        if (grad is null) return;
        prototypes.Weight.grad = null;
        grad.Dispose();
    }

    /// <summary>Enqueues the last forward's global-crop embeddings (from epoch <see cref="QueueStartEpoch"/> on).</summary>
    public override void OnAfterOptimizerStep(TrainingProgress progress)
    {
        if (pending is null) return;
        if (progress.Epoch >= QueueStartEpoch)
            for (int i = 0; i < queueList.Length; i++) queueList[i].Enqueue(pending[i]);
        DisposePending();
    }

    /// <summary>
    /// Encodes all crops (one backbone call per resolution group, one projector call), scores the
    /// normalised embeddings against the prototypes and returns the SwAV loss with global view 0's
    /// features <c>[N, F]</c> and normalised embeddings <c>[N, D]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views, fewer than 2 images, or a queue length
    /// that is not a multiple of the batch.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, AssignedCrops, "Use a two-view or multi-crop augmentation with the global crops first (local crops optional).");
        var group = ProcessGroup;
        long b = views.BatchSize * group.WorldSize;   // every process enqueues the global batch
        if (QueueLength > 0 && QueueLength % b != 0)
            throw new ArgumentException(
                $"The SwAV queue length {QueueLength} is not a multiple of the (global) batch size {b}. " +
                $"Set queue_length to a multiple of the batch (e.g. {Math.Max(1, QueueLength / b) * b}).", nameof(views));

        using var scope = torch.NewDisposeScope();
        var features = views.EncodeByResolution(Encoder.call);                            // V x [B, F]
        var z = Projector.call(torch.cat(features.ToArray(), 0));                          // [V*B, D]
        var embeddings = nn.functional.normalize(z, p: 2, dim: 1);                         // [V*B, D]
        var scores = prototypes.call(embeddings).chunk(views.Count, 0);                    // V x [B, K]
        var crops = embeddings.chunk(views.Count, 0);

        IReadOnlyList<Tensor?>? queueScores = null;
        if (queueList.Length > 0)
        {
            using var noGrad = torch.no_grad();
            long share = QueueLength / group.WorldSize;   // this process's block of the (identical) queues
            queueScores = queueList.Select(q => q.IsFull ? prototypes.call(q.Items.narrow(0, group.Rank * share, share)) : null).ToArray();
        }
        var loss = SwAVLoss.Compute(scores, Temperature, Epsilon, SinkhornIterations, AssignedCrops, queueScores, group);

        if (queueList.Length > 0)
        {
            DisposePending();
            pending = Enumerable.Range(0, AssignedCrops).Select(i => group.AllGatherNoGradient(crops[i]).clone().DetachFromDisposeScope()).ToArray();
        }
        return new StepOutput(loss.MoveToOuterDisposeScope(), features[0].detach().MoveToOuterDisposeScope(),
            crops[0].detach().MoveToOuterDisposeScope());
    }

    private void DisposePending()
    {
        if (pending is null) return;
        foreach (var t in pending) t.Dispose();
        pending = null;
    }

    /// <summary>Disposes the pending queue entries with the module.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposePending();
        base.Dispose(disposing);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>swav</c>: binds <see cref="SwAVOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new SwAV(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<SwAVOptions>("swav"));
}
