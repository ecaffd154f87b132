using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Core;

/// <summary>
/// The augmented views of one batch of images: <c>V</c> tensors, each <c>[N, C, H_v, W_v]</c>,
/// where the first <see cref="GlobalCount"/> are the global (large) crops and the rest are local
/// crops (multi-crop, Caron et al. 2020). Labels <c>[N]</c> travel along when a probe needs them, and
/// the data-set index of each image <c>[N]</c> when the source knows it (<c>Data.Loader</c> does), for
/// methods that keep per-image state such as DeepCluster's pseudo-labels.
/// </summary>
/// <remarks>
/// The batch owns its tensors: disposing it disposes the views and labels. Views of the same
/// resolution are grouped by <see cref="ResolutionGroups"/> so a method can run one backbone call per
/// resolution, as DINO and SwAV do.
/// </remarks>
public sealed class ViewBatch : IDisposable
{
    /// <summary>Creates a batch from its views (global crops first) and optional labels.</summary>
    /// <param name="views">Views, each <c>[N, C, H, W]</c> float; all share <c>N</c> and <c>C</c>.</param>
    /// <param name="globalCount">How many of the leading views are global crops (default: all).</param>
    /// <param name="labels">Class labels <c>[N]</c> int64, or null.</param>
    /// <param name="indices">Data-set index of each image <c>[N]</c> int64, or null.</param>
    public ViewBatch(IReadOnlyList<Tensor> views, int? globalCount = null, Tensor? labels = null, Tensor? indices = null)
    {
        if (views.Count == 0) throw new ArgumentException("A ViewBatch needs at least one view.", nameof(views));
        long n = views[0].shape[0];
        for (int i = 0; i < views.Count; i++)
        {
            var v = views[i];
            if (v.dim() != 4)
                throw new ArgumentException($"View {i} must be [N, C, H, W] but has shape [{string.Join(", ", v.shape)}].", nameof(views));
            if (v.shape[0] != n || v.shape[1] != views[0].shape[1])
                throw new ArgumentException(
                    $"All views must share N and C: view 0 is [{string.Join(", ", views[0].shape)}], view {i} is [{string.Join(", ", v.shape)}].",
                    nameof(views));
        }
        int g = globalCount ?? views.Count;
        if (g < 1 || g > views.Count)
            throw new ArgumentOutOfRangeException(nameof(globalCount), $"globalCount must be in 1..{views.Count}, got {g}.");
        for (int i = 1; i < g; i++)
            if (!SameSize(views[i], views[0]))
                throw new ArgumentException(
                    $"Global views must all have one size: view 0 is {views[0].shape[2]}x{views[0].shape[3]}, view {i} is {views[i].shape[2]}x{views[i].shape[3]}.",
                    nameof(views));
        for (int i = g + 1; i < views.Count; i++)
            if (!SameSize(views[i], views[g]))
                throw new ArgumentException(
                    $"Local views must all have one size: view {g} is {views[g].shape[2]}x{views[g].shape[3]}, view {i} is {views[i].shape[2]}x{views[i].shape[3]}.",
                    nameof(views));
        if (labels is not null && (labels.dim() != 1 || labels.shape[0] != n))
            throw new ArgumentException($"Labels must be [{n}] but have shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (indices is not null && (indices.dim() != 1 || indices.shape[0] != n || indices.dtype != ScalarType.Int64))
            throw new ArgumentException(
                $"Indices must be int64 [{n}] but are {indices.dtype} [{string.Join(", ", indices.shape)}].", nameof(indices));
        Views = views;
        GlobalCount = g;
        Labels = labels;
        Indices = indices;
    }

    /// <summary>All views, global crops first; each <c>[N, C, H, W]</c>.</summary>
    public IReadOnlyList<Tensor> Views { get; }

    /// <summary>Number of global crops at the start of <see cref="Views"/>.</summary>
    public int GlobalCount { get; }

    /// <summary>Class labels <c>[N]</c> (int64), or null for unlabelled data.</summary>
    public Tensor? Labels { get; }

    /// <summary>
    /// The data-set index of each image <c>[N]</c> (int64), or null when the source does not say. Methods
    /// that keep state per image (DeepCluster's cluster assignments) look it up by these indices.
    /// </summary>
    public Tensor? Indices { get; }

    /// <summary>Images per view, <c>N</c>.</summary>
    public long BatchSize => Views[0].shape[0];

    /// <summary>Total number of views, <c>V</c>.</summary>
    public int Count => Views.Count;

    /// <summary>The global crops.</summary>
    public IEnumerable<Tensor> Global => Views.Take(GlobalCount);

    /// <summary>The local crops (empty without multi-crop).</summary>
    public IEnumerable<Tensor> Local => Views.Skip(GlobalCount);

    /// <summary>
    /// Runs <paramref name="encoder"/> once per resolution group (global views, then local views)
    /// on the views concatenated along the batch axis and splits the result back per view.
    /// </summary>
    /// <returns>One output per view, in view order; each <c>[N, ...]</c>.</returns>
    public IReadOnlyList<Tensor> EncodeByResolution(Func<Tensor, Tensor> encoder)
    {
        var outputs = new List<Tensor>(Count);
        foreach (var (start, count) in ResolutionGroups())
        {
            using var stacked = count == 1 ? Views[start].alias() : torch.cat(Views.Skip(start).Take(count).ToArray(), 0);
            var encoded = encoder(stacked);
            outputs.AddRange(count == 1 ? new[] { encoded } : encoded.chunk(count, 0));
        }
        return outputs;
    }

    /// <summary>Consecutive runs of views with one resolution: (first view index, view count).</summary>
    public IEnumerable<(int Start, int Count)> ResolutionGroups()
    {
        yield return (0, GlobalCount);
        if (Count > GlobalCount) yield return (GlobalCount, Count - GlobalCount);
    }

    /// <summary>Moves every tensor to <paramref name="device"/>, disposing the originals when they move.</summary>
    public ViewBatch To(Device device)
    {
        if (Views[0].device == device) return this;
        var moved = new ViewBatch(Views.Select(v => v.to(device)).ToArray(), GlobalCount, Labels?.to(device), Indices?.to(device));
        Dispose();
        return moved;
    }

    /// <summary>Detaches every tensor from the current dispose scope so it can outlive it.</summary>
    public ViewBatch MoveToOuterDisposeScope()
    {
        foreach (var v in Views) v.MoveToOuterDisposeScope();
        Labels?.MoveToOuterDisposeScope();
        Indices?.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes the views, labels and indices.</summary>
    public void Dispose()
    {
        foreach (var v in Views) v.Dispose();
        Labels?.Dispose();
        Indices?.Dispose();
    }

    private static bool SameSize(Tensor a, Tensor b) => a.shape[2] == b.shape[2] && a.shape[3] == b.shape[3];
}
