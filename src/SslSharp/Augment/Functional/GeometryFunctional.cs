using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment.Functional;

/// <summary>
/// Crop + resize as two batched matrix products with per-sample interpolation matrices:
/// <c>out[n] = Ry[n] @ x[n] @ Rx[n]^T</c>, <c>Ry [N, S_h, H]</c>, <c>Rx [N, S_w, W]</c>.
/// </summary>
/// <remarks>
/// Each row of an interpolation matrix holds the two bilinear weights of PyTorch's
/// <c>upsample_bilinear2d</c> with <c>align_corners=False</c> and no antialiasing
/// (source index <c>max((d + 0.5) * len / S - 0.5, 0)</c>, neighbours clamped to the crop), so
/// <c>ResizedCrop</c> equals torchvision 0.14's tensor <c>F.resized_crop(img, top, left, h, w,
/// size)</c> (bilinear, antialias off) for every box. Samples never read pixels outside their
/// own box. A flipped row order gives a horizontal flip for free.
/// </remarks>
internal static class GeometryFunctional
{
    /// <summary>
    /// Interpolation matrices <c>[N, outSize, fullSize]</c> mapping a 1-D signal of length
    /// <paramref name="fullSize"/> to <paramref name="outSize"/> samples of the window
    /// <c>[start[n], start[n] + length[n])</c>; with <paramref name="transposed"/> the layout is
    /// <c>[N, fullSize, outSize]</c> (ready to multiply from the right). <paramref name="flip"/>
    /// reverses the output order of chosen samples.
    /// </summary>
    public static Tensor BilinearMatrix(int[] starts, int[] lengths, int fullSize, int outSize, Device device,
        bool[]? flip = null, bool transposed = false, ScalarType dtype = ScalarType.Float32)
    {
        int n = starts.Length;
        // Two (index, weight) pairs per output sample, computed here and scattered into a zero
        // matrix in one op: [N, out, 2] along dim 2, or [N, 2, out] along dim 1 when transposed.
        var index = new long[(long)n * outSize * 2];
        var weight = new float[(long)n * outSize * 2];
        for (int s = 0; s < n; s++)
        {
            int start = starts[s], len = lengths[s];
            float scale = (float)len / outSize; // area_pixel_compute_scale (float for float input)
            bool reverse = flip is not null && flip[s];
            for (int d = 0; d < outSize; d++)
            {
                float src = scale * (d + 0.5f) - 0.5f;
                if (src < 0) src = 0;
                int lo = (int)src;
                if (lo > len - 1) lo = len - 1;
                bool hasHi = lo < len - 1;
                float lambda = hasHi ? src - lo : 0f; // at the last pixel both weights fall on it
                int o = reverse ? outSize - 1 - d : d;
                long i0 = transposed ? ((long)s * 2 * outSize + o) : (((long)s * outSize + o) * 2);
                long i1 = transposed ? i0 + outSize : i0 + 1;
                index[i0] = start + lo;
                weight[i0] = 1f - lambda;
                index[i1] = start + lo + (hasHi ? 1 : 0);
                weight[i1] = lambda;
            }
        }
        using var scope = torch.NewDisposeScope();
        var shape = transposed ? new long[] { n, 2, outSize } : new long[] { n, outSize, 2 };
        var idx = torch.tensor(index, shape, device: device);
        var w = torch.tensor(weight, shape, device: device).to(dtype);
        var m = torch.zeros(transposed ? new long[] { n, fullSize, outSize } : new long[] { n, outSize, fullSize }, dtype: dtype, device: device);
        m.scatter_add_(transposed ? 1 : 2, idx, w);
        return m.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Crops box <c>boxes[n]</c> of sample n and resizes it to <paramref name="outHeight"/> x
    /// <paramref name="outWidth"/> (bilinear); <paramref name="flip"/> mirrors chosen samples.
    /// Input <c>[N, C, H, W]</c>, output <c>[N, C, outHeight, outWidth]</c>.
    /// </summary>
    public static Tensor ResizedCrop(Tensor x, IReadOnlyList<CropBox> boxes, int outHeight, int outWidth, bool[]? flip = null)
    {
        int n = (int)x.shape[0], h = (int)x.shape[2], w = (int)x.shape[3];
        if (boxes.Count != n) throw new ArgumentException($"Need one crop box per sample: {n} samples, {boxes.Count} boxes.", nameof(boxes));
        var tops = new int[n]; var lefts = new int[n]; var heights = new int[n]; var widths = new int[n];
        for (int i = 0; i < n; i++)
        {
            var b = boxes[i];
            if (b.Height < 1 || b.Width < 1 || b.Top < 0 || b.Left < 0 || b.Top + b.Height > h || b.Left + b.Width > w)
                throw new ArgumentException($"Crop box {b} of sample {i} does not fit in a {h}x{w} image.", nameof(boxes));
            tops[i] = b.Top; lefts[i] = b.Left; heights[i] = b.Height; widths[i] = b.Width;
        }
        using var scope = torch.NewDisposeScope();
        long c = x.shape[1];
        var ry = BilinearMatrix(tops, heights, h, outHeight, x.device, dtype: x.dtype);                            // [N, S_h, H]
        var rxT = BilinearMatrix(lefts, widths, w, outWidth, x.device, flip, transposed: true, dtype: x.dtype);     // [N, W, S_w]
        var cols = torch.bmm(x.reshape(n, c * h, w), rxT).view(n, c, h, outWidth);   // width pass  [N, C, H, S_w]
        return torch.matmul(ry.unsqueeze(1), cols).MoveToOuterDisposeScope();         // height pass [N, C, S_h, S_w]
    }
}
