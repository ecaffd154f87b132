using SslSharp.Backbones;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Methods.SelfDistillation;

/// <summary>
/// The shared forward of the two-view self-distillation methods (<see cref="BYOL"/>, <see cref="SimSiam"/>):
/// the first two global views concatenated (<c>[2N, C, H, W]</c>), one backbone call, one projector call, and
/// optionally one call of a target network without gradient. Runs in the caller's dispose scope.
/// </summary>
internal sealed class TwoViewPass
{
    private TwoViewPass(long n, Tensor h, Tensor z, Tensor? target)
    {
        BatchSize = n;
        H = h;
        Z = z;
        Target = target;
    }

    /// <summary>Images per view, <c>N</c>.</summary>
    public long BatchSize { get; }

    /// <summary>Backbone features of both views, <c>[2N, D]</c> (view 0 first).</summary>
    public Tensor H { get; }

    /// <summary>Online projections of both views, <c>[2N, E]</c>.</summary>
    public Tensor Z { get; }

    /// <summary>Target projections of both views, <c>[2N, E]</c>, without gradient; null without a target.</summary>
    public Tensor? Target { get; }

    /// <summary>Checks the views and runs backbone, projector and (when given) target on the first two global views.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views, or a batch below the method's minimum.</exception>
    public static TwoViewPass Run(SslMethod method, ViewBatch views, Backbone backbone, nn.Module<Tensor, Tensor> projector,
        Func<Tensor, Tensor>? target)
    {
        if (views.GlobalCount < 2)
            throw new ArgumentException(
                $"{method.GetName()} needs 2 global views of one size but the batch has {views.GlobalCount} global view(s). " +
                "Use a two-view augmentation (global crops first).", nameof(views));
        if (views.BatchSize < method.MinimumBatchSize)
            throw new ArgumentException(
                $"{method.GetName()} needs a batch of at least {method.MinimumBatchSize} images per process but got {views.BatchSize} " +
                "(the projector's BatchNorm needs more than one row). Increase --batch-size.", nameof(views));
        var x = cat(new[] { views.Views[0], views.Views[1] }, 0);   // [2N, C, H, W]; further views are ignored
        var h = backbone.call(x);
        var z = projector.call(h);
        Tensor? t = null;
        if (target is not null)
            using (no_grad())
                t = target(x).detach();
        return new TwoViewPass(views.BatchSize, h, z, t);
    }

    /// <summary>The two halves <c>[N, ...]</c> of a <c>[2N, ...]</c> tensor (view 0, view 1).</summary>
    public static (Tensor First, Tensor Second) Halves(Tensor t)
    {
        long n = t.shape[0] / 2;
        return (t.narrow(0, 0, n), t.narrow(0, n, n));
    }

    /// <summary>The step output: <paramref name="loss"/>, view 0's features and projections (detached), moved out of the caller's scope.</summary>
    public StepOutput Output(Tensor loss) => new(
        loss.MoveToOuterDisposeScope(),
        H.narrow(0, 0, BatchSize).detach().MoveToOuterDisposeScope(),
        Z.narrow(0, 0, BatchSize).detach().MoveToOuterDisposeScope());
}
