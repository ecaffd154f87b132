using SslSharp.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Correlation;

/// <summary>
/// The encoding step shared by the two-view correlation methods (VICReg, Barlow Twins): each of the
/// first two global views goes through the backbone and the projector separately.
/// </summary>
/// <remarks>Separate calls per view, as facebookresearch/vicreg and facebookresearch/barlowtwins do
/// (<c>projector(backbone(y1))</c>, then <c>y2</c>), so BatchNorm statistics are per view.</remarks>
internal static class PairedViewEncoder
{
    /// <summary>
    /// Encodes and projects views 0 and 1: returns view 0's features <c>[N, F]</c> and both embeddings
    /// <c>[N, D]</c>, in the caller's dispose scope.
    /// </summary>
    /// <exception cref="ArgumentException">The batch has fewer than 2 global views.</exception>
    public static (Tensor Features, Tensor Z1, Tensor Z2) Encode(Backbone backbone, nn.Module<Tensor, Tensor> projector,
        ViewBatch views, string method)
    {
        if (views.GlobalCount < 2)
            throw new ArgumentException(
                $"{method} needs 2 global views but the batch has {views.GlobalCount} global view(s). " +
                "Use a two-view augmentation (global crops first).", nameof(views));
        var h1 = backbone.call(views.Views[0]);
        var z1 = projector.call(h1);
        var z2 = projector.call(backbone.call(views.Views[1]));
        return (h1, z1, z2);
    }

    /// <summary>The step output: <paramref name="loss"/>, view 0's detached features and embeddings, moved out of the scope.</summary>
    public static StepOutput Output(Tensor loss, Tensor features, Tensor z1) =>
        new(loss.MoveToOuterDisposeScope(), features.detach().MoveToOuterDisposeScope(), z1.detach().MoveToOuterDisposeScope());
}
