using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>
/// Makes the views of a batch: converts uint8 <c>[N, C, H, W]</c> images to float / 255 once and
/// runs each view's own pipeline on them. Covers two symmetric views (SimCLR), two asymmetric views
/// (BYOL: different blur/solarize per view) and multi-crop (SwAV/DINO: 2 global + M local crops).
/// </summary>
/// <remarks>
/// Views are listed group by group, in order; the first <see cref="GlobalCount"/> are the global
/// crops of the resulting <see cref="ViewBatch"/>. Each view draws its own random parameters from the
/// shared generator, in view order, so a seed reproduces the whole batch.
/// See <see cref="TwoViewTransform"/> and <see cref="MultiCropTransform"/> for the common layouts.
/// </remarks>
public class ViewTransform : IViewGenerator
{
    private readonly IBatchTransform[] _pipelines;

    /// <summary>Creates the generator from (pipeline, count) groups.</summary>
    /// <param name="groups">Groups in view order; e.g. [(global1, 1), (global2, 1), (local, 8)].</param>
    /// <param name="globalCount">How many leading views are global crops (default: all views).</param>
    public ViewTransform(IReadOnlyList<ViewGroup> groups, int? globalCount = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0) throw new ArgumentException("A ViewTransform needs at least one view group.", nameof(groups));
        var list = new List<IBatchTransform>();
        for (int i = 0; i < groups.Count; i++)
        {
            var g = groups[i] ?? throw new ArgumentNullException(nameof(groups), $"View group {i} is null.");
            if (g.Pipeline is null) throw new ArgumentNullException(nameof(groups), $"View group {i} has no pipeline.");
            if (g.Count < 1) throw new ArgumentOutOfRangeException(nameof(groups), $"View group {i} must make at least one view, got Count = {g.Count}.");
            for (int k = 0; k < g.Count; k++) list.Add(g.Pipeline);
        }
        int gc = globalCount ?? list.Count;
        if (gc < 1 || gc > list.Count)
            throw new ArgumentOutOfRangeException(nameof(globalCount), $"globalCount must be in 1..{list.Count} (the number of views), got {gc}.");
        _pipelines = list.ToArray();
        Groups = groups.ToArray();
        GlobalCount = gc;
    }

    /// <summary>The (pipeline, count) groups, in view order.</summary>
    public IReadOnlyList<ViewGroup> Groups { get; }

    /// <summary>Total number of views per image.</summary>
    public int ViewCount => _pipelines.Length;

    /// <summary>Number of leading views that are global crops.</summary>
    public int GlobalCount { get; }

    /// <summary>The pipeline of each view, in view order.</summary>
    public IReadOnlyList<IBatchTransform> Pipelines => _pipelines;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">Images are not uint8 <c>[N, C, H, W]</c>, or labels are not <c>[N]</c>.</exception>
    public ViewBatch CreateViews(Tensor images, Tensor? labels, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(generator);
        if (images.dim() != 4 || images.dtype != ScalarType.Byte)
            throw new ArgumentException(
                $"CreateViews expects raw uint8 images [N, C, H, W] but got {images.dtype} [{string.Join(", ", images.shape)}].", nameof(images));
        if (labels is not null && (labels.dim() != 1 || labels.shape[0] != images.shape[0]))
            throw new ArgumentException($"Labels must be [{images.shape[0]}] but have shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        using var scope = torch.NewDisposeScope();
        var x = ToFloatImage.Convert(images);
        var views = new Tensor[_pipelines.Length];
        for (int v = 0; v < views.Length; v++) views[v] = _pipelines[v].Apply(x, generator);
        // The batch owns (and disposes) its tensors, so it gets its own handle on the labels.
        var batch = new ViewBatch(views, GlobalCount, labels?.alias());
        return batch.MoveToOuterDisposeScope();
    }
}
