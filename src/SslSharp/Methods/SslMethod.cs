using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods;

/// <summary>
/// A self-supervised method: a backbone plus heads plus a loss (plus, where the method has them, an
/// EMA teacher, a memory queue or prototypes), composed rather than inherited.
/// </summary>
/// <remarks>
/// <para>The training loop (<c>Trainer</c>) knows nothing about any method. Before the batches of each
/// epoch it calls <see cref="OnEpochStart"/> (also for the epoch a resumed run continues in). A step is:</para>
/// <list type="number">
/// <item><see cref="OnStepStart"/> (schedules: EMA momentum, teacher temperature, ...)</item>
/// <item><c>forward(views)</c> returns a <see cref="StepOutput"/>; the trainer back-propagates its loss (and, with
/// several processes, averages the gradients over <see cref="ProcessGroup"/>)</item>
/// <item><see cref="OnAfterBackward"/> (gradient clipping, cancelling the gradients of frozen layers)</item>
/// <item>the optimizer steps</item>
/// <item><see cref="OnAfterOptimizerStep"/> (EMA update, queue update, ...)</item>
/// </list>
/// <para>State that must survive a checkpoint (teacher weights, queues, centers) is registered as
/// sub-modules or buffers so that it is part of <c>state_dict()</c>.</para>
/// </remarks>
public abstract class SslMethod : nn.Module<ViewBatch, StepOutput>
{
    /// <summary>Creates a method module with the given name.</summary>
    protected SslMethod(string name) : base(name) { }

    /// <summary>The backbone whose features evaluation uses (kNN, probes).</summary>
    public abstract Backbone Encoder { get; }

    /// <summary>
    /// The processes this method trains with: rank, world size and the collectives (all-gather of negatives
    /// or keys, all-reduce of a center or of queue statistics). The <c>Trainer</c> sets it to the group it was
    /// given; default: <see cref="SingleProcessGroup.Instance"/>. Gradients are averaged by the trainer, not here.
    /// </summary>
    /// <remarks>Not part of the state dict: a checkpoint written by 4 processes loads in 1.</remarks>
    public IProcessGroup ProcessGroup
    {
        get => _processGroup;
        set => _processGroup = value ?? throw new ArgumentNullException(nameof(value));
    }

    private IProcessGroup _processGroup = SingleProcessGroup.Instance;

    /// <summary>
    /// Whether the trainer may synchronise this method's BatchNorm layers over the processes (default true). A method
    /// that relies on per-process statistics (MoCo v2's shuffling BN) returns false.
    /// </summary>
    public virtual bool SynchronizeBatchNorm => true;

    /// <summary>The smallest per-process batch for which the loss is defined.</summary>
    public virtual int MinimumBatchSize => 2;

    /// <summary>How many views the method needs per image (2 for two-view methods).</summary>
    public virtual int MinimumViews => 2;

    /// <summary>
    /// The embeddings the loss works on, <c>[N, E]</c>, for backbone features <c>[N, D]</c>, or null when the
    /// method has none: what the label-free diagnostics (RankMe, std, alignment) analyse next to the features.
    /// </summary>
    /// <remarks>
    /// A pure function of the features: no loss, no queue, centre or pseudo-label, no random draw, so it works
    /// for any number of images. The default is the projector of an <see cref="Core.IHasProjector"/>
    /// method; methods without one override it (DirectCLR's sub-vector, DeepCluster's optional projector).
    /// </remarks>
    /// <param name="features">Backbone features <c>[N, D]</c>.</param>
    public virtual Tensor? Embed(Tensor features) =>
        this is Core.IHasProjector p ? p.Projector.call(features) : null;

    /// <summary>
    /// The parameter groups the optimizer sees. Default: all trainable parameters, split so that
    /// biases and norm parameters get no weight decay and no LARS adaptation.
    /// </summary>
    public virtual IReadOnlyList<ParameterGroup> ParameterGroups() => Core.ParameterGroups.SplitDecay(this);

    /// <summary>
    /// Called before the first batch of every epoch, including the epoch a resumed run continues in
    /// (then <see cref="EpochContext.SkipBatches"/> &gt; 0). Default: nothing.
    /// </summary>
    /// <remarks>For methods that work on the whole training set between epochs (DeepCluster: cluster the
    /// features of every image, set the sampler of the epoch, re-initialise the classifier).</remarks>
    public virtual void OnEpochStart(EpochContext context) { }

    /// <summary>Called before the forward pass of every step.</summary>
    public virtual void OnStepStart(TrainingProgress progress) { }

    /// <summary>Called after <c>loss.backward()</c> and before the optimizer step.</summary>
    public virtual void OnAfterBackward(TrainingProgress progress) { }

    /// <summary>Called after the optimizer step (EMA teacher and queue updates go here).</summary>
    public virtual void OnAfterOptimizerStep(TrainingProgress progress) { }

    /// <summary>
    /// Throws a clear error when <paramref name="views"/> cannot be used by this method: fewer than
    /// <see cref="MinimumViews"/> views, fewer than <paramref name="globalViews"/> global views (of one size), or
    /// fewer than <see cref="MinimumBatchSize"/> images. The one view check of every method.
    /// </summary>
    /// <param name="views">The batch.</param>
    /// <param name="globalViews">How many global views the method needs (0: no requirement beyond the view count).</param>
    /// <param name="globalHint">What to do when the global views are missing (default: use a two-view augmentation).</param>
    /// <exception cref="ArgumentNullException"><paramref name="views"/> is null.</exception>
    /// <exception cref="ArgumentException">The batch cannot be used.</exception>
    protected void CheckViews(ViewBatch views, int globalViews = 0, string? globalHint = null)
    {
        ArgumentNullException.ThrowIfNull(views);
        if (views.Count < MinimumViews)
            throw new ArgumentException($"{GetName()} needs at least {MinimumViews} views per image but got {views.Count}.", nameof(views));
        if (views.GlobalCount < globalViews)
            throw new ArgumentException(
                $"{GetName()} needs {globalViews} global views of one size but the batch has {views.GlobalCount} global view(s). " +
                (globalHint ?? "Use a two-view augmentation (global crops first)."), nameof(views));
        if (views.BatchSize < MinimumBatchSize)
            throw new ArgumentException(
                $"{GetName()} needs a batch of at least {MinimumBatchSize} images per process but got {views.BatchSize}. " +
                "Increase --batch-size.", nameof(views));
    }
}
