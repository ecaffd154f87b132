using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Distributed;

/// <summary>
/// The process group of a run with one process: rank 0 of 1, and every collective is the identity at zero cost
/// (no copy, no allocation).
/// </summary>
/// <remarks>What the trainer and the methods use unless a multi-process group is given, so single-process code
/// never branches on "distributed or not".</remarks>
public sealed class SingleProcessGroup : IProcessGroup
{
    private SingleProcessGroup() { }

    /// <summary>The one instance (the group holds no state).</summary>
    public static SingleProcessGroup Instance { get; } = new();

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int WorldSize => 1;

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor) => ArgumentNullException.ThrowIfNull(tensor);

    /// <inheritdoc />
    public void AllReduceMax(Tensor tensor) => ArgumentNullException.ThrowIfNull(tensor);

    /// <inheritdoc />
    /// <returns><paramref name="tensor"/> itself.</returns>
    public Tensor AllGather(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not 0.</exception>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "A single-process group has only rank 0.");
    }

    /// <inheritdoc />
    public void Barrier() { }
}
