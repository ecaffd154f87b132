using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// Cuts images into non-overlapping square patches and puts them back, in MAE's layout: the targets of a
/// pixel-reconstruction loss and the inverse that shows a reconstruction as an image.
/// </summary>
/// <remarks>
/// facebookresearch/mae <c>models_mae.py</c> <c>patchify</c> / <c>unpatchify</c>: <c>[N, C, H, W]</c> to
/// <c>[N, L, p p C]</c> with <c>L = (H / p)(W / p)</c>; patches in row-major grid order, and inside a patch the
/// pixel <c>(r, q)</c> of channel <c>c</c> at position <c>(r p + q) C + c</c> (einsum <c>nchpwq -&gt; nhwpqc</c>).
/// MAE asserts square images; here height and width may differ (each a multiple of <c>p</c>).
/// docs/methods.md#mae.
/// </remarks>
public static class Patches
{
    /// <summary><c>[N, C, H, W]</c> to <c>[N, (H/p)(W/p), p p C]</c> (differentiable).</summary>
    /// <param name="images"><c>[N, C, H, W]</c>, <c>H</c> and <c>W</c> multiples of <paramref name="patchSize"/>.</param>
    /// <param name="patchSize">Patch side <c>p &gt;= 1</c> in pixels.</param>
    /// <exception cref="ArgumentException">The images are not 4-D or a side is not a multiple of the patch size.</exception>
    public static Tensor Patchify(Tensor images, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (patchSize < 1) throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, "The patch size must be >= 1 pixel.");
        if (images.dim() != 4)
            throw new ArgumentException($"Patchify expects images [N, C, H, W] but got [{LossChecks.Shape(images)}].", nameof(images));
        long n = images.shape[0], c = images.shape[1], height = images.shape[2], width = images.shape[3];
        if (height % patchSize != 0 || width % patchSize != 0)
            throw new ArgumentException(
                $"Images of {height}x{width} pixels do not split into {patchSize}x{patchSize} patches; both sides must be multiples of the patch size.",
                nameof(images));
        long h = height / patchSize, w = width / patchSize;
        return images.reshape(n, c, h, patchSize, w, patchSize)
            .permute(0, 2, 4, 3, 5, 1)                                     // [N, h, w, p, q, C]
            .reshape(n, h * w, (long)patchSize * patchSize * c);
    }

    /// <summary>The inverse of <see cref="Patchify"/>: <c>[N, (H/p)(W/p), p p C]</c> to <c>[N, C, H, W]</c>.</summary>
    /// <param name="patches"><c>[N, L, p p C]</c>.</param>
    /// <param name="patchSize">Patch side <c>p</c>.</param>
    /// <param name="height">Image height <c>H</c> in pixels.</param>
    /// <param name="width">Image width <c>W</c> in pixels.</param>
    /// <exception cref="ArgumentException">The shape does not fit the image size and patch size.</exception>
    public static Tensor Unpatchify(Tensor patches, int patchSize, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(patches);
        if (patchSize < 1) throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, "The patch size must be >= 1 pixel.");
        if (height % patchSize != 0 || width % patchSize != 0 || height < 1 || width < 1)
            throw new ArgumentException($"Images of {height}x{width} pixels do not split into {patchSize}x{patchSize} patches.");
        long h = height / patchSize, w = width / patchSize, area = (long)patchSize * patchSize;
        if (patches.dim() != 3 || patches.shape[1] != h * w || patches.shape[2] % area != 0 || patches.shape[2] == 0)
            throw new ArgumentException(
                $"Unpatchify of {height}x{width} images with patch {patchSize} expects [N, {h * w}, {area} x C] but got [{LossChecks.Shape(patches)}].",
                nameof(patches));
        long n = patches.shape[0], c = patches.shape[2] / area;
        return patches.reshape(n, h, w, patchSize, patchSize, c)
            .permute(0, 5, 1, 3, 2, 4)                                     // [N, C, h, p, w, q]
            .reshape(n, c, height, width);
    }
}
