using SslSharp.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// Encodes the leading global views of a batch with one backbone call and one head call on the
/// concatenated views (so BatchNorm statistics cover all of them, as in google-research/simclr and
/// htdt/self-supervised), for the two-view methods of this folder and W-MSE.
/// </summary>
internal static class GlobalViewEncoder
{
    /// <summary>
    /// Checks that <paramref name="views"/> holds at least <paramref name="count"/> global views, encodes
    /// the first <paramref name="count"/> and returns view 0's backbone features <c>[N, D]</c> and the head
    /// output of each view <c>[N, E]</c> (both with gradient, in the caller's dispose scope).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than <paramref name="count"/> global views.</exception>
    internal static (Tensor Features0, IReadOnlyList<Tensor> Embeddings) Encode(
        ViewBatch views, int count, Backbone backbone, Func<Tensor, Tensor> head, string method)
    {
        if (views.GlobalCount < count)
            throw new ArgumentException(
                $"{method} needs {count} global views of one size but the batch has {views.GlobalCount} global view(s). " +
                "Use a two-view augmentation (global crops first).", nameof(views));
        // A sub-batch that is never disposed (it does not own new tensors) keeps the caller's batch intact.
        var used = views.Count == count ? views : new ViewBatch(views.Views.Take(count).ToArray(), count);
        Tensor? features = null;
        var z = used.EncodeByResolution(x =>
        {
            features = backbone.call(x);   // [V N, D]
            return head(features);         // [V N, E]
        });
        return (features!.narrow(0, 0, views.BatchSize), z);
    }

    /// <summary>The step output of a loss computed in the caller's dispose scope: the loss, view 0's features
    /// <c>[N, D]</c> and embeddings <c>[N, E]</c> (both detached), all moved out of the scope.</summary>
    internal static StepOutput Output(Tensor loss, Tensor features0, Tensor embeddings0) =>
        new(loss.MoveToOuterDisposeScope(), features0.detach().MoveToOuterDisposeScope(), embeddings0.detach().MoveToOuterDisposeScope());
}
