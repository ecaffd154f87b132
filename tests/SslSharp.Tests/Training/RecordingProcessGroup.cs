using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>
/// Test process group: rank <c>Rank</c> of <c>WorldSize</c>, where every other process holds the same tensors as
/// this one (sum = value x world size, max = value, gather = copies). Writes every collective into a shared log.
/// </summary>
internal sealed class RecordingProcessGroup : IProcessGroup
{
    public RecordingProcessGroup(List<string> log, int rank = 0, int worldSize = 2)
    {
        Log = log;
        Rank = rank;
        WorldSize = worldSize;
    }

    public List<string> Log { get; }

    /// <summary>Runs at the start of every AllReduceSum with its tensor (to look at the model at that moment).</summary>
    public Action<Tensor>? OnAllReduce { get; set; }

    public int Rank { get; }

    public int WorldSize { get; }

    public void AllReduceSum(Tensor tensor)
    {
        OnAllReduce?.Invoke(tensor);
        Log.Add(tensor.numel() == 1 ? "all-reduce-scalar" : "all-reduce");
        tensor.mul_(WorldSize);
    }

    /// <summary>Runs in every AllReduceMax with the tensor (to play the other processes' values).</summary>
    public Action<Tensor>? OnAllReduceMax { get; set; }

    public void AllReduceMax(Tensor tensor)
    {
        Log.Add("all-reduce-max");
        OnAllReduceMax?.Invoke(tensor);
    }

    public Tensor AllGather(Tensor tensor)
    {
        Log.Add("all-gather");
        return torch.cat(Enumerable.Repeat(tensor, WorldSize).ToList(), 0);
    }

    public void Broadcast(Tensor tensor, int root = 0) => Log.Add("broadcast");

    public void Barrier() => Log.Add("barrier");
}
