using SslSharp.Backbones;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods;

/// <summary>
/// The view forward shared by the joint-embedding and self-distillation methods: runs the leading views of a
/// batch through the backbone and a head (and, for a teacher, through a target network without gradient) and
/// builds the <see cref="StepOutput"/> from view 0. The views are checked beforehand by
/// <see cref="SslMethod.CheckViews"/>. Everything runs in the caller's dispose scope.
/// </summary>
/// <remarks>
/// <para>Two ways to batch the views, because the reference implementations differ and BatchNorm makes the
/// difference visible (its statistics cover exactly the rows of one call):</para>
/// <list type="bullet">
/// <item><see cref="Encode"/>: views of one resolution concatenated, one backbone call and one head call per
/// resolution group, so BatchNorm statistics cover all of them (google-research/simclr, htdt/self-supervised,
/// deepmind byol, facebookresearch/simsiam and dino: SimCLR, DCL, DirectCLR, the margin losses, W-MSE, BYOL,
/// SimSiam, DINO's student). A target (BYOL's EMA network, DINO's teacher) sees the first group, the global
/// views, in one call of its own.</item>
/// <item><see cref="EncodeSeparately"/>: one backbone and one head call per view, so BatchNorm statistics are per
/// view (facebookresearch/vicreg and facebookresearch/barlowtwins: <c>projector(backbone(y1))</c>, then
/// <c>y2</c>; NNCLR).</item>
/// </list>
/// </remarks>
internal static class ViewEncoder
{
    /// <summary>
    /// Encodes the first <paramref name="count"/> views concatenated per resolution group (one backbone call and
    /// one head call per group, in view order) and, when <paramref name="target"/> is given, runs it without
    /// gradient on the first group's concatenated images.
    /// </summary>
    /// <param name="views">The checked batch; views after the first <paramref name="count"/> are ignored.</param>
    /// <param name="count">How many leading views to encode (all of one resolution when only the global views are meant).</param>
    /// <param name="backbone">The encoder: images <c>[V N, C, H, W]</c> to features <c>[V N, D]</c>.</param>
    /// <param name="head">Features <c>[V N, D]</c> to embeddings <c>[V N, E]</c> (a projector's <c>call</c>, or a slice).</param>
    /// <param name="target">A network without gradient on the first group's images <c>[G N, C, H, W]</c> (e.g. an
    /// EMA teacher's backbone and head); null for none.</param>
    internal static EncodedViews Encode(ViewBatch views, int count, Backbone backbone, Func<Tensor, Tensor> head,
        Func<Tensor, Tensor>? target = null)
    {
        var used = views.Count == count ? views : new ViewBatch(views.Views.Take(count).ToArray(), Math.Min(count, views.GlobalCount));
        Tensor? features = null, firstGroup = null, targetOut = null;
        var embeddings = new List<Tensor>(count);
        foreach (var (start, n) in used.ResolutionGroups())
        {
            using var stacked = n == 1 ? used.Views[start].alias() : cat(used.Views.Skip(start).Take(n).ToArray(), 0);   // [n N, C, H, W]
            var h = backbone.call(stacked);    // [n N, D]
            var z = head(h);                   // [n N, E]
            if (features is null)
            {
                features = h;
                firstGroup = z;
                if (target is not null)
                    using (no_grad())
                        targetOut = target(stacked).detach();   // [n N, E']
            }
            embeddings.AddRange(n == 1 ? new[] { z } : z.chunk(n, 0));
        }
        return new EncodedViews(views.BatchSize, features!, firstGroup!, embeddings, targetOut);
    }

    /// <summary>
    /// Encodes each of the first <paramref name="count"/> views on its own (<c>head(backbone(x_v))</c>, view by view).
    /// </summary>
    /// <param name="views">The checked batch; further views are ignored.</param>
    /// <param name="count">How many leading views to encode.</param>
    /// <param name="backbone">The encoder.</param>
    /// <param name="head">Features <c>[N, D]</c> to embeddings <c>[N, E]</c>.</param>
    /// <returns>View 0's backbone features <c>[N, D]</c> and the head output of each view <c>[N, E]</c> (with gradient).</returns>
    internal static (Tensor Features0, IReadOnlyList<Tensor> Embeddings) EncodeSeparately(
        ViewBatch views, int count, Backbone backbone, Func<Tensor, Tensor> head)
    {
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

    /// <summary>The two halves <c>[N, ...]</c> of a <c>[2N, ...]</c> tensor (view 0, view 1).</summary>
    internal static (Tensor First, Tensor Second) Halves(Tensor t)
    {
        long n = t.shape[0] / 2;
        return (t.narrow(0, 0, n), t.narrow(0, n, n));
    }

    /// <summary>The step output of a loss computed in the caller's dispose scope: the loss, view 0's features
    /// <c>[N, D]</c> and embeddings <c>[N, E]</c> (both detached), all moved out of the scope.</summary>
    internal static StepOutput Output(Tensor loss, Tensor features0, Tensor embeddings0) =>
        new(loss.MoveToOuterDisposeScope(), features0.detach().MoveToOuterDisposeScope(), embeddings0.detach().MoveToOuterDisposeScope());
}
