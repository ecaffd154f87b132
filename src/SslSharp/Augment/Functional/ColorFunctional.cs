using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment.Functional;

/// <summary>
/// Deterministic colour kernels with explicit per-sample factors (the core that the random
/// transforms call and that the tests pin to torchvision's functional ops).
/// </summary>
/// <remarks>
/// Formulas follow torchvision 0.14 <c>transforms/functional_tensor.py</c>: luma
/// <c>0.2989 R + 0.587 G + 0.114 B</c>; <c>_blend(a, b, f) = clamp(f a + (1 - f) b, 0, 1)</c>;
/// brightness blends with black, contrast with the per-image mean of the luma, saturation with the
/// luma; hue goes RGB -> HSV, shifts H modulo 1, and back. Inputs are float <c>[N, C, H, W]</c>,
/// factors are float <c>[N]</c> on the images' device.
/// </remarks>
internal static class ColorFunctional
{
    /// <summary>Luma weights of torchvision's <c>rgb_to_grayscale</c> (ITU-R 601-2 rounded as in TensorFlow).</summary>
    public const double LumaR = 0.2989, LumaG = 0.587, LumaB = 0.114;

    /// <summary>Luma <c>[N, 1, H, W]</c> of RGB images, or the image itself (a copy) when C = 1.</summary>
    public static Tensor Grayscale(Tensor x)
    {
        if (x.shape[1] == 1) return x.clone();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        using var scope = torch.NewDisposeScope();
        // One batched product [1, 3] @ [N, 3, H*W]: a single pass over the image.
        var weights = torch.tensor(new[] { (float)LumaR, (float)LumaG, (float)LumaB }, new long[] { 1, 3 }, device: x.device).to(x.dtype);
        return torch.matmul(weights, x.reshape(n, 3, h * w)).reshape(n, 1, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>Per-sample factor reshaped to broadcast over <c>[N, C, H, W]</c>.</summary>
    public static Tensor PerSample(Tensor factors) => factors.reshape(-1, 1, 1, 1);

    /// <summary>torchvision <c>adjust_brightness</c> with factor <c>f[n]</c> per sample.</summary>
    public static Tensor AdjustBrightness(Tensor x, Tensor factors)
    {
        using var scope = torch.NewDisposeScope();
        var f = PerSample(factors);
        // _blend(img, zeros, f) = f * img + (1 - f) * 0
        return x.mul(f).add_(torch.zeros_like(x).mul_(ScalarCache.OneMinus(f)), ScalarCache.One).clamp_(ScalarCache.Zero, ScalarCache.One).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision <c>adjust_contrast</c>: blend with the per-image mean of the luma.</summary>
    public static Tensor AdjustContrast(Tensor x, Tensor factors)
    {
        using var scope = torch.NewDisposeScope();
        var f = PerSample(factors);
        var mean = Grayscale(x).mean(new long[] { 1, 2, 3 }, keepdim: true);
        return x.mul(f).add_(mean.mul(ScalarCache.OneMinus(f)), ScalarCache.One).clamp_(ScalarCache.Zero, ScalarCache.One).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision <c>adjust_saturation</c>: blend with the luma; the identity on 1-channel images (as PIL).</summary>
    public static Tensor AdjustSaturation(Tensor x, Tensor factors)
    {
        if (x.shape[1] == 1) return x.clone();
        using var scope = torch.NewDisposeScope();
        var f = PerSample(factors);
        return x.mul(f).add_(Grayscale(x).mul(ScalarCache.OneMinus(f)), ScalarCache.One).clamp_(ScalarCache.Zero, ScalarCache.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One fused blend step <c>clamp(a x + (b gray + c mean(gray)), 0, 1)</c> with per-sample
    /// <c>a, b, c</c> <c>[N]</c>: brightness is (f, 0, 0), contrast (f, 0, 1 - f), saturation
    /// (f, 1 - f, 0) and the identity (1, 0, 0), which returns <paramref name="x"/> bit for bit.
    /// </summary>
    public static Tensor Blend(Tensor x, Tensor a, Tensor b, Tensor c, bool needGray)
    {
        using var scope = torch.NewDisposeScope();
        Tensor y;
        if (needGray)
        {
            var gray = Grayscale(x);                                       // [N, 1, H, W]
            var mean = gray.mean(new long[] { 1, 2, 3 }, keepdim: true);  // [N, 1, 1, 1]
            var other = gray.mul_(PerSample(b)).add_(mean.mul_(PerSample(c)), ScalarCache.One);
            y = torch.addcmul(other, x, PerSample(a), ScalarCache.One);                  // a x + other, one pass
        }
        else
        {
            y = x.mul(PerSample(a));
        }
        return y.clamp_(ScalarCache.Zero, ScalarCache.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// torchvision <c>adjust_hue</c> with shift <c>h[n]</c> in [-0.5, 0.5] per sample (a fraction of
    /// the colour wheel); the identity on 1-channel images.
    /// </summary>
    /// <remarks>
    /// Same result as torchvision's RGB -> HSV -> shift -> RGB (up to float rounding), computed
    /// without building HSV planes: with <c>max</c>, <c>min</c> and the hue sector
    /// <c>H6 in [0, 6)</c> of each pixel, every output channel is
    /// <c>max - (max - min) * clamp(min(k, 4 - k), 0, 1) = min + (max - min) * clamp(|k - 2| - 1, 0, 1)</c> with <c>k = (n + H6 + 6 h) mod 6</c> and
    /// <c>n = 5, 3, 1</c> for R, G, B (the closed form of HSV -> RGB, since <c>V = max</c>,
    /// <c>V S = max - min</c>). Uses only cheap element-wise ops (no where / gather), which keeps it
    /// fast on CPU. Grey pixels (<c>max = min</c>) are returned unchanged, as torchvision.
    /// </remarks>
    public static Tensor AdjustHue(Tensor x, Tensor shifts)
    {
        if (x.shape[1] == 1) return x.clone();
        using var scope = torch.NewDisposeScope();
        var one = ScalarCache.One;
        var r = x.select(1, 0);
        var g = x.select(1, 1);
        var b = x.select(1, 2);
        var maxc = x.amax(new long[] { 1 });                  // [N, H, W]
        var minc = x.amin(new long[] { 1 });
        var cr = maxc.sub(minc);                         // chroma, >= 0
        var inv = cr.clamp_min(ScalarCache.Tiny).reciprocal_(); // grey pixels: numerators are 0 below
        // Hue sector H6 as torchvision's _rgb2hsv: red is the max -> (g - b) / cr, else green ->
        // 2 + (b - r) / cr, else 4 + (r - g) / cr. Masks as 0/1 floats (exact selection).
        var isR = maxc.eq(r).to(x.dtype);
        var notR = maxc.ne(r).to(x.dtype);
        var isG = maxc.eq(g).to(x.dtype).mul_(notR);
        var isB = notR.sub_(isG);
        var h6 = g.sub(b).mul_(inv).mul_(isR)
            .add_(b.sub(r).mul_(inv).add_(ScalarCache.Two, one).mul_(isG), one)
            .add_(r.sub(g).mul_(inv).add_(ScalarCache.Four, one).mul_(isB), one);
        h6.add_(shifts.to(x.dtype).mul(ScalarCache.Six).reshape(-1, 1, 1), one);
        var offsets = torch.tensor(new float[] { 5, 3, 1 }, device: x.device).to(x.dtype).reshape(1, 3, 1, 1);
        var k = h6.unsqueeze(1).add(offsets, one);             // [N, 3, H, W]
        k.sub_(k.div(ScalarCache.Six).floor_().mul_(ScalarCache.Six)); // k mod 6 (continuity makes boundary rounding harmless)
        // out = max - cr * clamp(min(k, 4 - k), 0, 1) = min + cr * clamp(|k - 2| - 1, 0, 1)
        k.sub_(ScalarCache.Two).abs_().sub_(one).clamp_(ScalarCache.Zero, one).mul_(cr.unsqueeze(1)).add_(minc.unsqueeze(1), one);
        return k.MoveToOuterDisposeScope();
    }

    /// <summary>torchvision <c>solarize</c>: <c>1 - x</c> where <c>x &gt;= threshold</c>.</summary>
    public static Tensor Solarize(Tensor x, double threshold)
    {
        using var scope = torch.NewDisposeScope();
        using Scalar t = threshold;
        return torch.where(x.ge(t), ScalarCache.OneMinus(x), x).MoveToOuterDisposeScope();
    }
}
