using static TorchSharp.torch;

namespace SslSharp.Runs;

/// <summary>
/// The labelled images of a data set (<see cref="RunData.Labelled"/>): images <c>uint8 [M, C, H, W]</c> and labels
/// <c>int64 [M]</c>, all in <c>[0, classes)</c>. Disposing frees them only when they are copies.
/// </summary>
public sealed class LabelledImages : IDisposable
{
    private readonly bool _owned;

    internal LabelledImages(Tensor images, Tensor labels, bool owned)
    {
        Images = images;
        Labels = labels;
        _owned = owned;
    }

    /// <summary>The labelled images, <c>uint8 [M, C, H, W]</c>.</summary>
    public Tensor Images { get; }

    /// <summary>Their labels, <c>int64 [M]</c>.</summary>
    public Tensor Labels { get; }

    /// <summary>Number of labelled images, <c>M</c>.</summary>
    public long Count => Images.shape[0];

    /// <summary>Frees the copies (a view of the data set's own tensors is left alone).</summary>
    public void Dispose()
    {
        if (!_owned) return;
        Images.Dispose();
        Labels.Dispose();
    }
}
