using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>
/// Converts uint8 images (0..255) to float32 in [0, 1] (<c>x / 255</c>); float images are copied
/// unchanged. The first step of evaluation pipelines that receive raw images.
/// </summary>
/// <remarks>torchvision <c>ToTensor</c> / <c>ConvertImageDtype(torch.float)</c> on <c>[N, C, H, W]</c>.</remarks>
public sealed class ToFloatImage : IBatchTransform
{
    /// <summary>Converts <c>[N, C, H, W]</c> uint8 to float32 / 255, or copies float input. The generator is not used.</summary>
    /// <exception cref="ArgumentException">Images are not 4-D, or are neither uint8 nor floating point.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
            throw new ArgumentException($"ToFloatImage expects images [N, C, H, W] but got shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.dtype == ScalarType.Byte) return Convert(images);
        if (images.is_floating_point()) return images.clone();
        throw new ArgumentException($"ToFloatImage expects uint8 (0..255) or float images, got {images.dtype}.", nameof(images));
    }

    /// <summary>uint8 <c>[..]</c> to float32 <c>[..]</c> in [0, 1].</summary>
    internal static Tensor Convert(Tensor images)
    {
        var f = images.to(ScalarType.Float32);
        return f.div_(Functional.ScalarCache.ByteMax); // x / 255 exactly as torchvision's ToTensor
    }
}
