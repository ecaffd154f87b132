using SslSharp.Augment.Functional;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>
/// Crops a random box of each image (random area fraction and aspect ratio, drawn per sample) and
/// resizes it to <c>Size x Size</c> with bilinear interpolation: <c>[N, C, H, W]</c> to
/// <c>[N, C, Size, Size]</c>.
/// </summary>
/// <remarks>
/// The box follows torchvision's <c>RandomResizedCrop.get_params</c> (pytorch/vision,
/// <c>torchvision/transforms/transforms.py</c>) for every sample: up to 10 attempts of area
/// fraction <c>U(scale)</c> and aspect ratio <c>exp(U(log ratio))</c>, width and height rounded
/// half-to-even, accepted when the box fits, at a uniform position; otherwise a centre crop with
/// the aspect ratio clamped into <c>ratio</c>. Used by SimCLR (Chen et al., 2020) with
/// scale (0.08, 1) and every later joint-embedding method.
/// <para>
/// Resampling matches torchvision's tensor <c>F.resized_crop</c> (bilinear,
/// <c>align_corners=False</c>, antialias off; torchvision 0.14's tensor default). It is done for the
/// whole batch as two batched matrix products with per-sample interpolation matrices
/// (<c>Ry[n] @ x[n] @ Rx[n]^T</c>), no per-pixel loop. Unlike PIL, no antialiasing filter is used
/// when a box is larger than the output (this only matters when shrinking, e.g. 224-px images to
/// 96-px local crops).
/// </para>
/// </remarks>
public sealed class RandomResizedCrop : IBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="size">Output height and width in pixels.</param>
    /// <param name="scale">Range of the crop's area as a fraction of the image area (default (0.08, 1)).</param>
    /// <param name="ratio">Range of the crop's aspect ratio width / height (default (3/4, 4/3)).</param>
    /// <param name="horizontalFlip">
    /// Probability of mirroring each crop, fused into the resampling at no extra cost; the same as
    /// following this transform with <see cref="RandomHorizontalFlip"/>(p). Default 0 (no flip, torchvision's transform).
    /// </param>
    public RandomResizedCrop(int size, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null, double horizontalFlip = 0)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), $"Output size must be at least 1 pixel, got {size}.");
        var s = scale ?? (0.08, 1.0);
        var r = ratio ?? (3.0 / 4.0, 4.0 / 3.0);
        if (!(s.Min > 0 && s.Min <= s.Max))
            throw new ArgumentException($"scale must satisfy 0 < min <= max, got ({s.Min}, {s.Max}); pass (min, max) in that order.", nameof(scale));
        if (!(r.Min > 0 && r.Min <= r.Max))
            throw new ArgumentException($"ratio must satisfy 0 < min <= max, got ({r.Min}, {r.Max}); pass (min, max) in that order.", nameof(ratio));
        Size = size;
        HorizontalFlip = ImageChecks.Probability(horizontalFlip, nameof(horizontalFlip));
        Scale = s;
        Ratio = r;
    }

    /// <summary>Output height and width in pixels.</summary>
    public int Size { get; }

    /// <summary>Range of the crop's area as a fraction of the image area.</summary>
    public (double Min, double Max) Scale { get; }

    /// <summary>Range of the crop's aspect ratio (width / height).</summary>
    public (double Min, double Max) Ratio { get; }

    /// <summary>Probability that a crop is mirrored left-right (fused flip).</summary>
    public double HorizontalFlip { get; }

    /// <summary>Crops and resizes every image with its own random box (and flips it with probability <see cref="HorizontalFlip"/>); returns <c>[N, C, Size, Size]</c>.</summary>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageChecks.RequireFloatImages(images, nameof(RandomResizedCrop));
        ArgumentNullException.ThrowIfNull(generator);
        long n = images.shape[0];
        var boxes = SampleBoxes(n, (int)images.shape[2], (int)images.shape[3], generator);
        bool[]? flip = null;
        if (HorizontalFlip > 0)
        {
            var u = AugmentRandom.UniformArray(generator, n, 1);
            flip = u.Select(v => v < HorizontalFlip).ToArray();
        }
        return GeometryFunctional.ResizedCrop(images, boxes, Size, Size, flip);
    }

    /// <summary>Number of (area, aspect) attempts before falling back to a centre crop, as torchvision.</summary>
    internal const int Attempts = 10;

    /// <summary>
    /// Draws one box per sample with torchvision's algorithm. Consumes a fixed number of uniforms
    /// per sample (<c>2 * Attempts + 2</c>), so a sample's box depends only on its own draws.
    /// </summary>
    internal CropBox[] SampleBoxes(long n, int height, int width, Generator generator)
    {
        const int perSample = 2 * Attempts + 2;
        var u = AugmentRandom.UniformArray(generator, n, perSample);
        var boxes = new CropBox[n];
        double area = (double)height * width;
        double logMin = Math.Log(Ratio.Min), logMax = Math.Log(Ratio.Max);
        for (long s = 0; s < n; s++)
        {
            int o = (int)(s * perSample);
            boxes[s] = SampleBox(u.AsSpan(o, perSample), height, width, area, logMin, logMax);
        }
        return boxes;
    }

    private CropBox SampleBox(ReadOnlySpan<double> u, int height, int width, double area, double logMin, double logMax)
    {
        double uTop = u[2 * Attempts], uLeft = u[2 * Attempts + 1];
        for (int a = 0; a < Attempts; a++)
        {
            double targetArea = area * (Scale.Min + (Scale.Max - Scale.Min) * u[2 * a]);
            double aspect = Math.Exp(logMin + (logMax - logMin) * u[2 * a + 1]);
            int w = (int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = Math.Min((int)(uTop * (height - h + 1)), height - h);
                int left = Math.Min((int)(uLeft * (width - w + 1)), width - w);
                return new CropBox(top, left, h, w);
            }
        }
        // Fallback: centre crop with the aspect ratio clamped into [ratio.min, ratio.max].
        double inRatio = (double)width / height;
        int cw, ch;
        if (inRatio < Ratio.Min) { cw = width; ch = (int)Math.Round(cw / Ratio.Min, MidpointRounding.ToEven); }
        else if (inRatio > Ratio.Max) { ch = height; cw = (int)Math.Round(ch * Ratio.Max, MidpointRounding.ToEven); }
        else { cw = width; ch = height; }
        return new CropBox((height - ch) / 2, (width - cw) / 2, ch, cw);
    }
}
