using SslSharp.Augment.Functional;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>
/// Randomly changes brightness, contrast, saturation and hue, in a random order drawn per sample,
/// with probability <see cref="P"/> per sample (torchvision's <c>RandomApply([ColorJitter(...)], p)</c>).
/// </summary>
/// <remarks>
/// Semantics of torchvision 0.14 <c>ColorJitter</c> (pytorch/vision,
/// <c>torchvision/transforms/transforms.py</c> and <c>functional_tensor.py</c>): factors are uniform
/// in <c>[max(0, 1 - b), 1 + b]</c> (likewise contrast and saturation), the hue shift is uniform in
/// <c>[-h, h]</c>; brightness blends with black, contrast with the per-image mean of the luma
/// <c>0.2989 R + 0.587 G + 0.114 B</c>, saturation with the luma, and hue rotates H in HSV space;
/// every step clamps to [0, 1]. A strength of 0 disables that step. SimCLR (Chen et al., 2020)
/// uses <c>(0.8s, 0.8s, 0.8s, 0.2s)</c> at p = 0.8.
/// <para>
/// On 1-channel images saturation and hue are no-ops (as torchvision and PIL); brightness and
/// contrast (blend with the image mean) still apply.
/// </para>
/// <para>
/// Vectorisation: each sample draws a permutation of the four steps (argsort of four uniforms).
/// The batch then goes through four <em>slots</em>; in slot k every sample applies the step its
/// permutation puts at position k. The three blend steps share one fused kernel
/// <c>clamp(a x + b gray + c mean(gray), 0, 1)</c> with per-sample coefficients (brightness
/// (f, 0, 0), contrast (f, 0, 1 - f), saturation (f, 1 - f, 0); samples whose slot-k step is hue, or
/// that are not jittered, use the exact identity (1, 0, 0)); the hue step runs only on the samples
/// whose slot-k step is hue (index_select / index_copy). Samples not chosen (probability 1 - p)
/// only see identity steps and are returned bit for bit (for inputs in [0, 1]).
/// </para>
/// </remarks>
public sealed class ColorJitter : IBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="brightness">Brightness strength b &gt;= 0: factor uniform in [max(0, 1 - b), 1 + b]; 0 disables.</param>
    /// <param name="contrast">Contrast strength &gt;= 0, as brightness.</param>
    /// <param name="saturation">Saturation strength &gt;= 0, as brightness.</param>
    /// <param name="hue">Hue strength in [0, 0.5]: shift uniform in [-hue, hue]; 0 disables.</param>
    /// <param name="p">Probability that a sample is jittered at all (default 1, torchvision's ColorJitter; SimCLR uses 0.8).</param>
    public ColorJitter(double brightness = 0, double contrast = 0, double saturation = 0, double hue = 0, double p = 1.0)
    {
        Brightness = NonNegative(brightness, nameof(brightness));
        Contrast = NonNegative(contrast, nameof(contrast));
        Saturation = NonNegative(saturation, nameof(saturation));
        if (!(hue >= 0 && hue <= 0.5))
            throw new ArgumentOutOfRangeException(nameof(hue), $"hue must be in [0, 0.5] (a shift of at most half the colour wheel), got {hue}.");
        Hue = hue;
        P = ImageChecks.Probability(p, nameof(p));
    }

    /// <summary>Brightness strength b (factor in [max(0, 1 - b), 1 + b]).</summary>
    public double Brightness { get; }

    /// <summary>Contrast strength.</summary>
    public double Contrast { get; }

    /// <summary>Saturation strength.</summary>
    public double Saturation { get; }

    /// <summary>Hue strength (shift in [-Hue, Hue]).</summary>
    public double Hue { get; }

    /// <summary>Probability that a sample is jittered.</summary>
    public double P { get; }

    /// <summary>Index of each step in a permutation row (torchvision's fn_idx order).</summary>
    internal const int BrightnessStep = 0, ContrastStep = 1, SaturationStep = 2, HueStep = 3;

    /// <summary>Jitters each chosen sample with its own factors and order; returns a new <c>[N, C, H, W]</c> tensor.</summary>
    /// <exception cref="ArgumentException">Images are not float <c>[N, C, H, W]</c> with 1 or 3 channels.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ImageChecks.RequireFloatImages(images, nameof(ColorJitter));
        ImageChecks.RequireGrayOrRgb(images, nameof(ColorJitter));
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = torch.NewDisposeScope();
        long n = images.shape[0];
        var dev = images.device;
        // Fixed number of draws per call, whatever the settings: mask, 4 factors, 4 order keys.
        var apply = AugmentRandom.Bernoulli(generator, n, P, dev);
        var fb = AugmentRandom.Uniform(generator, n, Math.Max(0, 1 - Brightness), 1 + Brightness, dev);
        var fc = AugmentRandom.Uniform(generator, n, Math.Max(0, 1 - Contrast), 1 + Contrast, dev);
        var fs = AugmentRandom.Uniform(generator, n, Math.Max(0, 1 - Saturation), 1 + Saturation, dev);
        var fh = AugmentRandom.Uniform(generator, n, -Hue, Hue, dev);
        var order = torch.rand(new[] { n, 4L }, dtype: ScalarType.Float64, generator: generator).argsort(1).to(dev); // [N, 4] step per slot
        return ApplyWithFactors(images, apply, fb, fc, fs, fh, order).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The deterministic core: jitters sample n (where <paramref name="apply"/>[n]) with factors
    /// <c>[N]</c> in the order <paramref name="order"/>[n] (<c>[N, 4]</c> int64, step indices
    /// 0 brightness, 1 contrast, 2 saturation, 3 hue). Disabled steps (strength 0) are skipped.
    /// </summary>
    internal Tensor ApplyWithFactors(Tensor images, Tensor apply, Tensor fb, Tensor fc, Tensor fs, Tensor fh, Tensor order)
    {
        using var scope = torch.NewDisposeScope();
        if (!apply.any().item<bool>()) return images.clone().MoveToOuterDisposeScope();
        bool color = images.shape[1] == 3;
        bool useB = Brightness > 0, useC = Contrast > 0, useS = Saturation > 0 && color, useH = Hue > 0 && color;
        var one = torch.ones_like(fb);
        var zero = torch.zeros_like(fb);
        // A disabled step is the exact identity: factor 1 (torchvision skips it).
        if (!useB) fb = one;
        if (!useC) fc = one;
        if (!useS) fs = one;
        var x = images;
        for (int slot = 0; slot < 4; slot++)
        {
            var step = order.select(1, slot);
            var isB = step.eq(ScalarCache.Steps[BrightnessStep]).logical_and_(apply);
            var isC = step.eq(ScalarCache.Steps[ContrastStep]).logical_and_(apply);
            var isS = step.eq(ScalarCache.Steps[SaturationStep]).logical_and_(apply);
            bool anyB = useB && isB.any().item<bool>();
            bool anyC = useC && isC.any().item<bool>();
            bool anyS = useS && isS.any().item<bool>();
            if (anyB || anyC || anyS)
            {
                var a = torch.where(isB, fb, torch.where(isC, fc, torch.where(isS, fs, one)));
                var b = torch.where(isS, ScalarCache.OneMinus(fs), zero);
                var c = torch.where(isC, ScalarCache.OneMinus(fc), zero);
                x = ColorFunctional.Blend(x, a, b, c, needGray: anyC || anyS);
            }
            if (useH)
            {
                var idx = step.eq(ScalarCache.Steps[HueStep]).logical_and_(apply).nonzero().flatten();
                if (idx.shape[0] > 0)
                {
                    var shifted = ColorFunctional.AdjustHue(x.index_select(0, idx), fh.index_select(0, idx));
                    // In place when x is already our own intermediate, never on the caller's images.
                    x = ReferenceEquals(x, images) ? x.index_copy(0, idx, shifted) : x.index_copy_(0, idx, shifted);
                }
            }
        }
        // Samples that were not chosen went through identity steps only: 1 * x + 0 and a clamp to
        // [0, 1], which returns them bit for bit (inputs are in [0, 1] by contract).
        return (ReferenceEquals(x, images) ? images.clone() : x).MoveToOuterDisposeScope();
    }

    private static double NonNegative(double v, string name)
    {
        if (!(v >= 0) || double.IsInfinity(v))
            throw new ArgumentOutOfRangeException(name, $"{name} strength must be a finite number >= 0, got {v}.");
        return v;
    }
}
