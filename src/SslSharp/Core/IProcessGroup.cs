using static TorchSharp.torch;

namespace SslSharp.Core;

/// <summary>
/// The processes of a data-parallel run, as the training loop and the methods see them: who this process is
/// and the few collective operations SSL training needs, on CPU tensors.
/// </summary>
/// <remarks>
/// <para>Every process runs the same program on its own share of each batch. A collective must be called by
/// every process of the group, in the same order, with tensors of the same shape and dtype (all-gather: the
/// same shape on every rank); a call one rank skips blocks the others.</para>
/// <para>Kept narrow on purpose: what PyTorch's <c>torch.distributed</c> offers for SSL recipes
/// (<c>all_reduce</c> with SUM / MAX, <c>all_gather</c>, <c>broadcast</c>, <c>barrier</c>), nothing else. The
/// single-process group (<c>SslSharp.Distributed.SingleProcessGroup</c>) makes every operation the identity.</para>
/// <para>Tensors are contiguous CPU tensors; no operation records autograd history (a gather with gradient,
/// as SimCLR's negatives need, is built on top of these).</para>
/// </remarks>
public interface IProcessGroup
{
    /// <summary>This process's index, <c>0 &lt;= Rank &lt; WorldSize</c>; rank 0 writes the run's files.</summary>
    int Rank { get; }

    /// <summary>Number of processes in the group (1 for a single-process run).</summary>
    int WorldSize { get; }

    /// <summary>Replaces <paramref name="tensor"/>, in place, with the element-wise sum over all processes.</summary>
    /// <param name="tensor">Any shape; the same shape and dtype on every rank.</param>
    void AllReduceSum(Tensor tensor);

    /// <summary>Replaces <paramref name="tensor"/>, in place, with the element-wise maximum over all processes.</summary>
    /// <param name="tensor">Any shape; the same shape and dtype on every rank.</param>
    void AllReduceMax(Tensor tensor);

    /// <summary>
    /// Concatenates every process's <paramref name="tensor"/> <c>[B, ...]</c> along dimension 0 in rank order:
    /// <c>[WorldSize * B, ...]</c>, where this process's rows start at <c>Rank * B</c>.
    /// </summary>
    /// <param name="tensor"><c>[B, ...]</c>, the same shape on every rank.</param>
    /// <returns>A new tensor on every rank (with one process: <paramref name="tensor"/> itself; do not dispose it twice).</returns>
    Tensor AllGather(Tensor tensor);

    /// <summary>Replaces <paramref name="tensor"/>, in place, with the value it has on process <paramref name="root"/>.</summary>
    /// <param name="tensor">Any shape; the same shape and dtype on every rank.</param>
    /// <param name="root">The rank whose value is sent.</param>
    void Broadcast(Tensor tensor, int root = 0);

    /// <summary>Returns once every process has called it.</summary>
    void Barrier();
}
