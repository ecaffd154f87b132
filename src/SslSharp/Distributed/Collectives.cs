using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Distributed;

/// <summary>
/// The collectives methods use, on top of <see cref="IProcessGroup"/>: gathers and sums across processes with or
/// without gradient. With one process every function returns its input (no copy), so a method calls them
/// unconditionally.
/// </summary>
/// <remarks>Where each method uses them: docs/distributed.md.</remarks>
public static class Collectives
{
    /// <summary>
    /// Concatenates every process's <paramref name="local"/> <c>[B, ...]</c> in rank order, <c>[W x B, ...]</c>, keeping
    /// the gradient path to this process's rows (backward: sum over processes, then this rank's slice;
    /// see <see cref="AllGatherFunction"/>). This process's rows start at <see cref="RowOffset"/>.
    /// </summary>
    /// <param name="group">The processes.</param>
    /// <param name="local"><c>[B, ...]</c>, the same shape on every rank; CPU.</param>
    /// <returns><c>[W x B, ...]</c>; <paramref name="local"/> itself with one process.</returns>
    public static Tensor AllGatherWithGradient(this IProcessGroup group, Tensor local)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(local);
        return group.WorldSize == 1 ? local : AllGatherFunction.apply(local, group);
    }

    /// <summary>
    /// Concatenates every process's <paramref name="local"/> <c>[B, ...]</c> in rank order without gradient (keys,
    /// queue entries, statistics): <c>[W x B, ...]</c>, detached.
    /// </summary>
    /// <returns><c>[W x B, ...]</c>; <c>local.detach()</c> with one process.</returns>
    public static Tensor AllGatherNoGradient(this IProcessGroup group, Tensor local)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(local);
        if (group.WorldSize == 1) return local.detach();
        using var source = local.detach().contiguous();
        return group.AllGather(source);
    }

    /// <summary>
    /// The element-wise sum over the processes of <paramref name="local"/> (any shape, the same on every rank), keeping
    /// the gradient (backward: the gradient summed over processes; see <see cref="AllReduceSumFunction"/>).
    /// </summary>
    /// <returns>A new tensor; <paramref name="local"/> itself with one process.</returns>
    public static Tensor AllReduceSumWithGradient(this IProcessGroup group, Tensor local)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(local);
        return group.WorldSize == 1 ? local : AllReduceSumFunction.apply(local, group);
    }

    /// <summary>The first row of this process in a gather of <paramref name="localRows"/> rows per process: <c>Rank x B</c>.</summary>
    public static long RowOffset(this IProcessGroup group, long localRows)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.Rank * localRows;
    }
}
