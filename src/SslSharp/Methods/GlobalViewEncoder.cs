using SslSharp.Backbones;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods;

/// <summary>
/// The encoding step shared by the joint-embedding methods that use only the leading global views of a
/// batch: checks that there are enough of them, runs each through the backbone and a head, and builds the
/// <see cref="StepOutput"/> from view 0.
/// </summary>
/// <remarks>
/// <para>Two ways to batch the views, because the reference implementations differ and BatchNorm makes
/// the difference visible:</para>
/// <list type="bullet">
/// <item><see cref="Encode"/>: one backbone call and one head call on the concatenated views, so BatchNorm
/// statistics cover all of them (google-research/simclr, htdt/self-supervised; SimCLR, DCL, DirectCLR,
/// the margin losses, W-MSE).</item>
/// <item><see cref="EncodeSeparately"/>: one backbone and one head call per view, so BatchNorm statistics
/// are per view (facebookresearch/vicreg and facebookresearch/barlowtwins: <c>projector(backbone(y1))</c>,
/// then <c>y2</c>).</item>
/// </list>
/// </remarks>
internal static class GlobalViewEncoder
{
    /// <summary>
    /// Checks that <paramref name="views"/> holds at least <paramref name="count"/> global views, encodes
    /// the first <paramref name="count"/> concatenated (one backbone call, one head call) and returns view 0's
    /// backbone features <c>[N, D]</c> and the head output of each view <c>[N, E]</c> (both with gradient,
    /// in the caller's dispose scope).
    /// </summary>
    /// <param name="views">The batch; further views (local crops, extra global views) are ignored.</param>
    /// <param name="count">How many leading global views to encode.</param>
    /// <param name="backbone">The encoder.</param>
    /// <param name="head">Features <c>[V N, D]</c> to embeddings <c>[V N, E]</c> (a projector's <c>call</c>, or a slice).</param>
    /// <param name="method">The method's name, for the error message.</param>
    /// <exception cref="ArgumentException">Fewer than <paramref name="count"/> global views.</exception>
    internal static (Tensor Features0, IReadOnlyList<Tensor> Embeddings) Encode(
        ViewBatch views, int count, Backbone backbone, Func<Tensor, Tensor> head, string method)
    {
        CheckCount(views, count, method);
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

    /// <summary>
    /// Checks that <paramref name="views"/> holds at least <paramref name="count"/> global views, encodes
    /// each of the first <paramref name="count"/> on its own (<c>head(backbone(x_v))</c>, view by view) and
    /// returns view 0's backbone features <c>[N, D]</c> and the head output of each view <c>[N, E]</c> (both
    /// with gradient, in the caller's dispose scope).
    /// </summary>
    /// <param name="views">The batch; further views are ignored.</param>
    /// <param name="count">How many leading global views to encode.</param>
    /// <param name="backbone">The encoder.</param>
    /// <param name="head">Features <c>[N, D]</c> to embeddings <c>[N, E]</c>.</param>
    /// <param name="method">The method's name, for the error message.</param>
    /// <exception cref="ArgumentException">Fewer than <paramref name="count"/> global views.</exception>
    internal static (Tensor Features0, IReadOnlyList<Tensor> Embeddings) EncodeSeparately(
        ViewBatch views, int count, Backbone backbone, Func<Tensor, Tensor> head, string method)
    {
        CheckCount(views, count, method);
        Tensor? features0 = null;
        var z = new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            var h = backbone.call(views.Views[i]);   // [N, D]
            features0 ??= h;
            z[i] = head(h);                          // [N, E]
        }
        return (features0!, z);
    }

    /// <summary>The step output of a loss computed in the caller's dispose scope: the loss, view 0's features
    /// <c>[N, D]</c> and embeddings <c>[N, E]</c> (both detached), all moved out of the scope.</summary>
    internal static StepOutput Output(Tensor loss, Tensor features0, Tensor embeddings0) =>
        new(loss.MoveToOuterDisposeScope(), features0.detach().MoveToOuterDisposeScope(), embeddings0.detach().MoveToOuterDisposeScope());

    private static void CheckCount(ViewBatch views, int count, string method)
    {
        if (views.GlobalCount < count)
            throw new ArgumentException(
                $"{method} needs {count} global views of one size but the batch has {views.GlobalCount} global view(s). " +
                "Use a two-view augmentation (global crops first).", nameof(views));
    }
}
