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
        using var r = x.select(1, 0);
        using var g = x.select(1, 1);
        using var b = x.select(1, 2);
        using var gr = g.mul(LumaG);
        using var bl = b.mul(LumaB);
        var l = r.mul(LumaR);
        l.add_(gr).add_(bl);
        using (l) return l.unsqueeze(1);
    }

    /// <summary>Per-sample factor reshaped to broadcast over <c>[N, C, H, W]</c>.</summary>
    public static Tensor PerSample(Tensor factors) => factors.reshape(-1, 1, 1, 1);

    /// <summary>torchvision <c>adjust_brightness</c> with factor <c>f[n]</c> per sample.</summary>
    public static Tensor AdjustBrightness(Tensor x, Tensor factors)
    {
        using var scope = torch.NewDisposeScope();
        var f = PerSample(factors);
        // _blend(img, zeros, f) = f * img + (1 - f) * 0
        return x.mul(f).add_(torch.zeros_like(x).mul_(1 - f)).clamp_(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision <c>adjust_contrast</c>: blend with the per-image mean of the luma.</summary>
    public static Tensor AdjustContrast(Tensor x, Tensor factors)
    {
        using var scope = torch.NewDisposeScope();
        var f = PerSample(factors);
        var mean = Grayscale(x).mean(new long[] { 1, 2, 3 }, keepdim: true);
        return x.mul(f).add_(mean.mul(1 - f)).clamp_(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision <c>adjust_saturation</c>: blend with the luma; the identity on 1-channel images (as PIL).</summary>
    public static Tensor AdjustSaturation(Tensor x, Tensor factors)
    {
        if (x.shape[1] == 1) return x.clone();
        using var scope = torch.NewDisposeScope();
        var f = PerSample(factors);
        return x.mul(f).add_(Grayscale(x).mul(1 - f)).clamp_(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One fused blend step <c>clamp(a x + (b gray + c mean(gray)), 0, 1)</c> with per-sample
    /// <c>a, b, c</c> <c>[N]</c>: brightness is (f, 0, 0), contrast (f, 0, 1 - f), saturation
    /// (f, 1 - f, 0) and the identity (1, 0, 0), which returns <paramref name="x"/> bit for bit.
    /// </summary>
    public static Tensor Blend(Tensor x, Tensor a, Tensor b, Tensor c, bool needGray)
    {
        using var scope = torch.NewDisposeScope();
        var y = x.mul(PerSample(a));
        if (needGray)
        {
            var gray = Grayscale(x);                                       // [N, 1, H, W]
            var mean = gray.mean(new long[] { 1, 2, 3 }, keepdim: true);  // [N, 1, 1, 1]
            var other = gray.mul_(PerSample(b)).add_(mean.mul_(PerSample(c)));
            y.add_(other);
        }
        return y.clamp_(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision <c>adjust_hue</c> with shift <c>h[n]</c> in [-0.5, 0.5] per sample; identity on 1-channel images.</summary>
    public static Tensor AdjustHue(Tensor x, Tensor shifts)
    {
        if (x.shape[1] == 1) return x.clone();
        using var scope = torch.NewDisposeScope();
        var (h, s, v) = RgbToHsv(x);
        h = h.add_(shifts.reshape(-1, 1, 1)).remainder_(1.0);
        return HsvToRgb(h, s, v).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's <c>_rgb2hsv</c>: returns H, S, V planes, each <c>[N, H, W]</c>.</summary>
    public static (Tensor H, Tensor S, Tensor V) RgbToHsv(Tensor x)
    {
        var r = x.select(1, 0);
        var g = x.select(1, 1);
        var b = x.select(1, 2);
        var maxc = x.amax(new long[] { 1 });
        var minc = x.amin(new long[] { 1 });
        var eqc = maxc.eq(minc);
        var cr = maxc - minc;
        var one = torch.ones(1, dtype: x.dtype, device: x.device);
        var s = cr / torch.where(eqc, one, maxc);
        var crDivisor = torch.where(eqc, one, cr);
        var rc = (maxc - r).div_(crDivisor);
        var gc = (maxc - g).div_(crDivisor);
        var bc = (maxc - b).div_(crDivisor);
        // (maxc == r) -> bc - gc; else (maxc == g) -> 2 + rc - bc; else 4 + gc - rc (torchvision's masks).
        var hr = bc - gc;
        var hg = (rc + 2.0).sub_(bc);
        var hb = (gc + 4.0).sub_(rc);
        var h = torch.where(maxc.eq(r), hr, torch.where(maxc.eq(g), hg, hb));
        h = h.div_(6.0).add_(1.0).fmod_(1.0);
        return (h, s, maxc);
    }

    // Which of (v, q, p, t) each output channel takes for sector i = 0..5 (torchvision's a1, a2, a3).
    private static readonly long[] SectorTable =
    {
        0, 1, 2, 2, 3, 0, // R: v q p p t v
        3, 0, 0, 1, 2, 2, // G: t v v q p p
        2, 2, 3, 0, 0, 1, // B: p p t v v q
    };

    /// <summary>torchvision's <c>_hsv2rgb</c> from H, S, V planes <c>[N, H, W]</c>; returns <c>[N, 3, H, W]</c>.</summary>
    public static Tensor HsvToRgb(Tensor h, Tensor s, Tensor v)
    {
        using var scope = torch.NewDisposeScope();
        var h6 = h * 6.0;
        var i = h6.floor();
        var f = h6 - i;
        var sector = i.to(ScalarType.Int64).remainder_(6);                  // [N, H, W]
        var p = (1.0 - s).mul_(v).clamp_(0.0, 1.0);
        var q = (1.0 - s * f).mul_(v).clamp_(0.0, 1.0);
        var t = (1.0 - s * (1.0 - f)).mul_(v).clamp_(0.0, 1.0);
        var candidates = torch.stack(new[] { v, q, p, t }, 1);                // [N, 4, H, W]
        var table = torch.tensor(SectorTable, device: h.device).reshape(3, 6);
        // index[n, ch, y, x] = table[ch, sector[n, y, x]]
        var index = torch.stack(new[] { table[0].index_select(0, sector.flatten()), table[1].index_select(0, sector.flatten()), table[2].index_select(0, sector.flatten()) }, 0)
            .reshape(3, sector.shape[0], sector.shape[1], sector.shape[2]).permute(1, 0, 2, 3);
        return candidates.gather(1, index).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision <c>solarize</c>: <c>1 - x</c> where <c>x &gt;= threshold</c>.</summary>
    public static Tensor Solarize(Tensor x, double threshold)
    {
        using var scope = torch.NewDisposeScope();
        return torch.where(x.ge(threshold), 1.0 - x, x).MoveToOuterDisposeScope();
    }
}
