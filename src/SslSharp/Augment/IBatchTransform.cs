using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>
/// An augmentation applied to a whole batch at once, with its random parameters drawn per sample.
/// </summary>
/// <remarks>
/// Input and output are float images <c>[N, C, H, W]</c> with values in [0, 1] (before
/// normalisation). The output size may differ from the input (crops). Implementations
/// never draw from the global RNG: every draw takes the generator passed to <see cref="Apply"/>.
/// </remarks>
public interface IBatchTransform
{
    /// <summary>Applies the transform; returns a new tensor <c>[N, C, H', W']</c>.</summary>
    Tensor Apply(Tensor images, Generator generator);
}
