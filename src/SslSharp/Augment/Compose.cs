using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>Applies transforms one after another (torchvision <c>Compose</c>).</summary>
/// <remarks>Intermediate tensors are disposed as soon as the next transform has consumed them; the input is never modified.</remarks>
public sealed class Compose : IBatchTransform
{
    private readonly IBatchTransform[] _transforms;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="transforms">Transforms in the order they are applied (may be empty: the pipeline then copies).</param>
    public Compose(params IBatchTransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        for (int i = 0; i < transforms.Length; i++)
            if (transforms[i] is null) throw new ArgumentNullException(nameof(transforms), $"Transform {i} of the Compose is null.");
        _transforms = (IBatchTransform[])transforms.Clone();
    }

    /// <summary>The transforms, in order.</summary>
    public IReadOnlyList<IBatchTransform> Transforms => _transforms;

    /// <summary>Applies every transform in order; returns a new tensor.</summary>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (_transforms.Length == 0) return images.clone();
        Tensor x = images;
        foreach (var t in _transforms)
        {
            var y = t.Apply(x, generator);
            if (!ReferenceEquals(x, images)) x.Dispose();
            x = y;
        }
        return x;
    }
}
