using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Distributed;

/// <summary>
/// Test process group: this process is rank <c>Rank</c> of 2 and the other rank holds <c>Other</c> (rows of the same
/// width). All-gather places the two in rank order (or, with <c>Misplace</c>, in the wrong order, as a buggy group
/// would); sums double the tensor (the other rank is taken to hold the same value).
/// </summary>
internal sealed class TwoRankProcessGroup(int rank, Tensor other, bool misplace = false) : IProcessGroup
{
    public int Rank => rank;

    public int WorldSize => 2;

    public int Gathers { get; private set; }

    public void AllReduceSum(Tensor tensor) => tensor.mul_(2);

    public void AllReduceMax(Tensor tensor) { }

    public Tensor AllGather(Tensor tensor)
    {
        Gathers++;
        var o = other.to(tensor.dtype);
        bool mineFirst = (rank == 0) != misplace;
        return mineFirst ? torch.cat([tensor, o], 0) : torch.cat([o, tensor], 0);
    }

    public void Broadcast(Tensor tensor, int root = 0) { }

    public void Barrier() { }
}
