using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// A feature extractor: maps images <c>[N, C, H, W]</c> to features <c>[N, FeatureDim]</c>.
/// </summary>
/// <remarks>
/// Every backbone in SslSharp derives from <see cref="Backbone"/>, which is a TorchSharp
/// <c>Module&lt;Tensor, Tensor&gt;</c>; this interface is what evaluation code depends on.
/// </remarks>
public interface IBackbone
{
    /// <summary>Width of the feature vector the backbone returns, <c>D</c> in <c>[N, D]</c>.</summary>
    int FeatureDim { get; }

    /// <summary>Number of image channels the backbone expects, <c>C</c> in <c>[N, C, H, W]</c>.</summary>
    int InputChannels { get; }

    /// <summary>Computes features <c>[N, FeatureDim]</c> for images <c>[N, C, H, W]</c>.</summary>
    Tensor forward(Tensor images);
}
