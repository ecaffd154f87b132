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
/// MoCo v2: a query encoder (backbone + MLP head) trained so that each query picks out the key of
/// its other view, computed by a momentum encoder, among a large queue of keys from earlier batches.
/// </summary>
/// <remarks>
/// <para>He, Fan, Wu, Xie, Girshick, "Momentum Contrast for Unsupervised Visual Representation
/// Learning" (CVPR 2020); Chen, Fan, Girshick, He, "Improved Baselines with Momentum Contrastive
/// Learning" (2020). Reference code: facebookresearch/moco <c>moco/builder.py</c>, <c>main_moco.py</c>
/// (<c>--mlp --moco-t 0.2 --aug-plus --cos</c>). docs/methods.md#moco-v2.</para>
/// <para>One step (<see cref="OnStepStart"/>, forward, optimizer step, <see cref="OnAfterOptimizerStep"/>):
/// the key encoder follows <c>k &lt;- m k + (1 - m) q</c> before the keys are computed (as the
/// reference's <c>_momentum_update_key_encoder</c> at the top of <c>forward</c>); queries
/// <c>q = head(backbone(x1))</c>; keys <c>k = norm(key_encoder(x2))</c> without gradient;
/// loss = <see cref="MoCoLoss.Compute"/> with the queue as negatives; after the optimizer step the
/// keys are enqueued (FIFO). The queue is initialised with normalised noise. Symmetric variant
/// (<c>symmetric</c>, off in the paper; facebookresearch/moco's CIFAR demo): the mean of
/// <c>L(q1, k2)</c> and <c>L(q2, k1)</c> (the demo sums them, twice this value), both key sets enqueued.</para>
/// <para>Head <c>Linear(D, D) - ReLU - Linear(D, out)</c> (no BN); defaults in <see cref="MoCoV2Options"/> (constant
/// momentum unless <c>final_momentum</c> differs from <c>base_momentum</c>, which gives a cosine schedule, as
/// solo-learn's 0.99 -> 0.999). The queue size must be a multiple of the keys enqueued per step (the batch, doubled
/// when symmetric); a step with another batch fails with a message saying so.</para>
/// <para>BatchNorm: one process uses plain BN by default (docs/methods.md#moco-v2); <c>bn_splits</c> S &gt; 1 encodes the
/// queries in S splits and the keys in S splits of a shuffled batch (<see cref="SplitBatchNorm"/>, the
/// reference's one-GPU CIFAR demo), so the positive key cannot be found through shared batch statistics.
/// The shuffle is drawn from a generator re-seeded from (seed, step) at every step.</para>
/// <para>Several processes: the keys of all processes are gathered before the enqueue. With <c>bn_splits</c> 1 BatchNorm
/// is synchronised over the processes (the trainer's synchronised BatchNorm). With <c>bn_splits</c> S &gt; 1 (a multiple
/// of the W processes) BatchNorm stays per process (<see cref="SynchronizeBatchNorm"/> is false) and the keys use
/// shuffling BN across processes (facebookresearch/moco <c>_batch_shuffle_ddp</c>): the key images of all processes are
/// gathered, permuted with the step's shared permutation, each process encodes its block (in S / W splits), and the
/// keys are gathered and put back in order. The step then equals one process with the global batch and S splits, up to
/// the BatchNorm running statistics, which each process updates from its own splits (as in the reference; rank 0's are
/// saved).</para>
/// </remarks>
public sealed class MoCoV2 : ProjectedMethod<ProjectionHead>
{
    private readonly MomentumEncoder momentumEncoder;
    private readonly EmaMomentum momentum;
    private readonly MemoryQueue queue;
    private readonly PendingEnqueue pending = new();
    private readonly StepSeededGenerator shuffle;
    private const long ShuffleStream = 0x5342; // "SB"

    /// <summary>Creates MoCoV2 around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="MoCoV2Options"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public MoCoV2(Backbone backbone, MoCoV2Options options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.Temperature, options.QueueSize, options.BaseMomentum, options.FinalMomentum, options.Symmetric, options.Seed, options.BnSplits)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="MoCoV2Options"/>).</summary>
    private MoCoV2(Backbone backbone, int? hiddenDim, int outputDim, double temperature, int queueSize, double baseMomentum, double? finalMomentum, bool symmetric, long seed, int bnSplits)
        : base(nameof(MoCoV2), backbone, b =>
        {
            LossChecks.Temperature("MoCo v2", temperature, "MoCo v2 0.2, MoCo v1 0.07");
            if (queueSize < 1)
                throw new ArgumentOutOfRangeException(nameof(queueSize), queueSize, "The MoCo queue size must be >= 1 and a multiple of the batch size (paper: 65536).");
            EmaMomentum.Check(baseMomentum, nameof(baseMomentum), "MoCo v2's base momentum", "MoCo v2 0.999, MoCo v3 0.99");
            EmaMomentum.Check(finalMomentum ?? baseMomentum, nameof(finalMomentum), "MoCo v2's final momentum", "MoCo v3 1.0");
            if (bnSplits < 1)
                throw new ArgumentOutOfRangeException(nameof(bnSplits), bnSplits, "MoCo v2's bn_splits must be >= 1 (1: plain BatchNorm; the reference's CIFAR demo: 8).");
            return ContrastiveHeads.MoCoV2Projector(b.FeatureDim, hiddenDim ?? b.FeatureDim, outputDim, seed);
        })
    {
        momentumEncoder = new MomentumEncoder(backbone, Projector);
        queue = new MemoryQueue(queueSize, outputDim, QueueInitialization.NormalizedNoise, seed + 1);
        Temperature = temperature;
        BaseMomentum = baseMomentum;
        FinalMomentum = finalMomentum ?? baseMomentum;
        momentum = new EmaMomentum(BaseMomentum, FinalMomentum);
        Symmetric = symmetric;
        BnSplits = bnSplits;
        shuffle = new StepSeededGenerator(seed, ShuffleStream);
        register_module("momentum_encoder", momentumEncoder);
        register_module("queue", queue);
    }

    /// <summary>The key encoder (EMA of backbone + head).</summary>
    public MomentumEncoder MomentumEncoder => momentumEncoder;

    /// <summary>The queue of negative keys <c>[K, outputDim]</c>.</summary>
    public MemoryQueue Queue => queue;

    /// <summary>The softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>Key-encoder momentum at step 0.</summary>
    public double BaseMomentum { get; }

    /// <summary>Key-encoder momentum at the last step (equal to <see cref="BaseMomentum"/>: constant).</summary>
    public double FinalMomentum { get; }

    /// <summary>Whether the loss is symmetrised over the two views.</summary>
    public bool Symmetric { get; }

    /// <summary>BatchNorm splits (1: plain BN); see <see cref="SplitBatchNorm"/>.</summary>
    public int BnSplits { get; }

    /// <summary>False with <c>bn_splits</c> &gt; 1: shuffling BN needs each process's own batch statistics.</summary>
    public override bool SynchronizeBatchNorm => BnSplits == 1;

    /// <summary>Keys enqueued per step for a batch of <paramref name="batchSize"/> images.</summary>
    public long KeysPerStep(long batchSize) => Symmetric ? 2 * batchSize : batchSize;

    /// <summary>Throws a clear error when the queue size is not a multiple of the keys of a batch of <paramref name="batchSize"/>.</summary>
    /// <exception cref="ArgumentException">The queue size is not a multiple of the keys per step.</exception>
    public void CheckBatchSize(long batchSize) => QueueChecks.Divisible("MoCo v2", queue.Size, KeysPerStep(batchSize), batchSize, Symmetric);

    /// <summary>Updates the key encoder with the momentum of this step (cosine from base to final; constant by default).</summary>
    public override void OnStepStart(TrainingProgress progress)
    {
        momentumEncoder.Update(momentum.At(progress));
        shuffle.Reseed(progress.Step);
    }

    /// <summary>Enqueues the keys of the last forward pass.</summary>
    public override void OnAfterOptimizerStep(TrainingProgress progress) => pending.Flush(queue);

    /// <summary>
    /// Queries of view 0, keys of view 1 (and the swapped pair when symmetric); returns the MoCo loss,
    /// view 0's features <c>[N, D]</c> and query embeddings <c>[N, E]</c> (detached). The keys are held
    /// for <see cref="OnAfterOptimizerStep"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or images, or a batch the queue size is not a multiple of.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        var group = ProcessGroup;
        CheckBatchSize(views.BatchSize * group.WorldSize);   // every process enqueues the keys of the global batch
        if (BnSplits > 1 && BnSplits % group.WorldSize != 0)
            throw new ArgumentException(
                $"MoCo v2's bn_splits {BnSplits} counts splits of the global batch and must be a multiple of the {group.WorldSize} processes " +
                $"(e.g. {group.WorldSize}: shuffling BN across processes), or 1 for synchronised BatchNorm.", nameof(views));
        int localSplits = BnSplits == 1 ? 1 : BnSplits / group.WorldSize;
        SplitBatchNorm.Check("MoCo v2", views.BatchSize, localSplits);

        using var scope = torch.NewDisposeScope();
        var x1 = views.Views[0];
        var x2 = views.Views[1];
        var h1 = SplitBatchNorm.Encode(Encoder.call, x1, localSplits);
        var q1 = Projector.call(h1);
        var k2 = Normalize(EncodeKeys(x2, localSplits));
        var items = queue.Items;
        var loss = MoCoLoss.Compute(q1, k2, items, Temperature);
        // Several processes: the keys of all processes, in rank order, are enqueued on every process (facebookresearch/moco
        // concat_all_gather before _dequeue_and_enqueue), so the queues stay identical.
        Tensor keys = group.AllGatherNoGradient(k2);
        if (Symmetric)
        {
            var q2 = Projector.call(SplitBatchNorm.Encode(Encoder.call, x2, localSplits));
            var k1 = Normalize(EncodeKeys(x1, localSplits));
            using Scalar half = 0.5;   // held: see Augment/Functional/ScalarCache
            loss = loss.add(MoCoLoss.Compute(q2, k1, items, Temperature)).mul(half);
            keys = torch.cat(new[] { group.AllGatherNoGradient(k1), keys }, 0);
        }
        pending.Set(keys);
        return new StepOutput(loss.MoveToOuterDisposeScope(), h1.detach().MoveToOuterDisposeScope(), q1.detach().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The key encoder's output <c>[B, E]</c> for this process's images <paramref name="x"/> <c>[B, ...]</c>: shuffled and
    /// split when <c>bn_splits</c> &gt; 1, across processes when there are several (see the remarks).
    /// </summary>
    private Tensor EncodeKeys(Tensor x, int localSplits)
    {
        var group = ProcessGroup;
        if (group.WorldSize == 1 || BnSplits == 1) return SplitBatchNorm.EncodeShuffled(momentumEncoder.call, x, BnSplits, shuffle.Generator);
        // Shuffling BN across processes: the same permutation of the global batch on every process (one generator state).
        long b = x.shape[0];
        var all = group.AllGatherNoGradient(x);                                                 // [W x B, ...]
        var permutation = torch.randperm(all.shape[0], generator: shuffle.Generator).to(x.device);
        var mine = all.index_select(0, permutation.narrow(0, group.Rank * b, b));               // this process's block
        var keys = group.AllGatherNoGradient(SplitBatchNorm.Encode(momentumEncoder.call, mine, localSplits));   // permuted order
        return keys.index_select(0, permutation.argsort()).narrow(0, group.Rank * b, b);
    }

    /// <summary>Frees the pending keys and the modules.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pending.Dispose();
            shuffle.Dispose();
        }
        base.Dispose(disposing);
    }

    private static Tensor Normalize(Tensor x) => nn.functional.normalize(x, p: 2, dim: 1, eps: MoCoLoss.NormEps);

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>mocov2</c>: binds <see cref="MoCoV2Options"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new MoCoV2(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<MoCoV2Options>("mocov2"));
}
