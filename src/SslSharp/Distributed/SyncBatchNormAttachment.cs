namespace SslSharp.Distributed;

/// <summary>The hooks of one <see cref="SyncBatchNorm.Attach"/> call; disposing removes them and restores the layers.</summary>
public sealed class SyncBatchNormAttachment : IDisposable
{
    private readonly List<Action> _undo;

    internal SyncBatchNormAttachment(List<Action> undo, int layers)
    {
        _undo = undo;
        Layers = layers;
    }

    /// <summary>How many BatchNorm layers are synchronised.</summary>
    public int Layers { get; }

    /// <summary>Removes the hooks and restores each layer's momentum.</summary>
    public void Dispose()
    {
        foreach (var u in _undo) u();
        _undo.Clear();
    }
}
