using SslSharp.Core;

namespace SslSharp.Augment;

/// <summary>Multi-crop: two global views (each with its own pipeline) followed by <c>M</c> local views of a smaller size.</summary>
/// <remarks>
/// SwAV (Caron et al., 2020) and DINO (Caron et al., 2021, <c>main_dino.py</c> <c>DataAugmentationDINO</c>):
/// 2 x 224 global crops with scale (0.4, 1) (blur 1.0 / 0.1, solarize 0.2 on the second) and
/// 8 x 96 local crops with scale (0.05, 0.4) and blur 0.5. The resulting <see cref="Core.ViewBatch"/>
/// has <c>GlobalCount = 2</c>.
/// </remarks>
public sealed class MultiCropTransform : ViewTransform
{
    /// <summary>Creates the generator.</summary>
    /// <param name="global1">Pipeline of the first global view.</param>
    /// <param name="global2">Pipeline of the second global view (must output the same size as <paramref name="global1"/>).</param>
    /// <param name="local">Pipeline of every local view (one output size for all local views).</param>
    /// <param name="localCount">Number of local views (&gt;= 0).</param>
    public MultiCropTransform(IBatchTransform global1, IBatchTransform global2, IBatchTransform local, int localCount)
        : base(Build(global1, global2, local, localCount), globalCount: 2)
    {
        LocalCount = localCount;
    }

    /// <summary>Number of local views.</summary>
    public int LocalCount { get; }

    private static ViewGroup[] Build(IBatchTransform global1, IBatchTransform global2, IBatchTransform local, int localCount)
    {
        ArgumentNullException.ThrowIfNull(global1);
        ArgumentNullException.ThrowIfNull(global2);
        ArgumentNullException.ThrowIfNull(local);
        if (localCount < 0) throw new ArgumentOutOfRangeException(nameof(localCount), $"localCount must be >= 0, got {localCount}.");
        var groups = new List<ViewGroup> { new(global1), new(global2) };
        if (localCount > 0) groups.Add(new ViewGroup(local, localCount));
        return groups.ToArray();
    }
}
