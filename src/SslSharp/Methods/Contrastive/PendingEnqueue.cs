using SslSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// Vectors computed in a forward pass that go into a <see cref="MemoryQueue"/> once the optimizer has
/// stepped (MoCo's keys, NNCLR's support embeddings).
/// </summary>
/// <remarks>
/// Enqueuing after the step rather than inside the forward keeps the queue unchanged while autograd
/// still needs it (the reference clones the queue for that reason, facebookresearch/moco
/// <c>builder.py</c>) and leaves the queue alone when a forward is only evaluated. The held tensor is
/// detached from every dispose scope and owned here until <see cref="Flush"/> or the next
/// <see cref="Set"/>.
/// </remarks>
internal sealed class PendingEnqueue : IDisposable
{
    private Tensor? pending;

    /// <summary>Whether vectors are waiting.</summary>
    public bool HasPending => pending is not null;

    /// <summary>Holds a detached copy of <paramref name="vectors"/> <c>[B, D]</c>, replacing (and freeing) any earlier one.</summary>
    public void Set(Tensor vectors)
    {
        var copy = vectors.detach().clone();
        copy.DetachFromDisposeScope();
        pending?.Dispose();
        pending = copy;
    }

    /// <summary>Writes the held vectors into <paramref name="queue"/> (if any) and frees them.</summary>
    public void Flush(MemoryQueue queue)
    {
        if (pending is null) return;
        try
        {
            queue.Enqueue(pending);
        }
        finally
        {
            pending.Dispose();
            pending = null;
        }
    }

    /// <summary>Frees the held vectors without enqueuing them.</summary>
    public void Dispose()
    {
        pending?.Dispose();
        pending = null;
    }
}
