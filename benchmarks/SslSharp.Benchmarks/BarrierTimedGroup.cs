using System.Diagnostics;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>
/// A process group that puts a barrier (untimed) before every collective of <paramref name="inner"/> and times only
/// the collective itself: with every process already waiting at the call, the time is the transfer (and the
/// collective's own synchronisation), without the wait for a process that is still computing.
/// </summary>
/// <param name="inner">The real processes (MPI).</param>
internal sealed class BarrierTimedGroup(IProcessGroup inner) : IProcessGroup
{
    private long _ticks;

    /// <summary>Time spent inside the collectives after their barriers.</summary>
    public TimeSpan TransferTime => Stopwatch.GetElapsedTime(0, _ticks);

    public int Rank => inner.Rank;

    public int WorldSize => inner.WorldSize;

    public void AllReduceSum(Tensor tensor) => Timed(() => inner.AllReduceSum(tensor));

    public void AllReduceMax(Tensor tensor) => Timed(() => inner.AllReduceMax(tensor));

    public Tensor AllGather(Tensor tensor)
    {
        Tensor? result = null;
        Timed(() => result = inner.AllGather(tensor));
        return result!;
    }

    public void Broadcast(Tensor tensor, int root = 0) => Timed(() => inner.Broadcast(tensor, root));

    public void Barrier() => inner.Barrier();

    private void Timed(Action call)
    {
        inner.Barrier();
        long start = Stopwatch.GetTimestamp();
        call();
        _ticks += Stopwatch.GetTimestamp() - start;
    }
}
