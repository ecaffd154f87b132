namespace SslSharp.Augment.Presets;

/// <summary>
/// The view recipe of a method preset (the <c>augment:</c> section of a preset or <c>config.yaml</c>):
/// crop scale, colour jitter, grayscale, per-view blur and solarize probabilities, and multi-crop.
/// Every property left null keeps the SimCLR default for the image size (<see cref="SimCLRAugment"/>).
/// </summary>
/// <remarks>
/// <para>Covers the cookbook's recipes (Balestriero et al. 2023, section 3.1): symmetric views
/// (SimCLR, MoCo v2: one pipeline twice), asymmetric views (BYOL, Grill et al. 2020, appendix B: blur
/// 1.0 / 0.1, solarize 0 / 0.2 on the two views) and multi-crop (SwAV, Caron et al. 2020; DINO,
/// Caron et al. 2021, <c>DataAugmentationDINO</c>: 2 global crops plus <c>M</c> small local crops with
/// their own scale and blur).</para>
/// <para>Order of one view: random resized crop with flip 0.5, colour jitter (with probability
/// <see cref="JitterP"/>, random order), grayscale (3-channel images only), Gaussian blur (kernel 10% of
/// the side, odd, at least 3; sigma (0.1, 2)), solarize (threshold 0.5 on [0, 1] images), normalise.
/// On 1-channel images saturation, hue and grayscale do nothing and are left out.</para>
/// <para>Jitter values are absolute (torchvision's <c>ColorJitter(brightness, contrast, saturation,
/// hue)</c>), not multiplied by a strength.</para>
/// </remarks>
public sealed record AugmentRecipe
{
    /// <summary>Area fraction range of the global crops, <c>[min, max]</c> (default <see cref="SimCLRAugment.DefaultMinScale"/>, 1).</summary>
    public double[]? CropScale { get; init; }

    /// <summary>Colour jitter <c>[brightness, contrast, saturation, hue]</c> (default SimCLR's 0.8s, 0.8s, 0.8s, 0.2s).</summary>
    public double[]? Jitter { get; init; }

    /// <summary>Probability of applying the colour jitter (default 0.8).</summary>
    public double? JitterP { get; init; }

    /// <summary>Probability of grayscale on 3-channel images (default 0.2).</summary>
    public double? GrayscaleP { get; init; }

    /// <summary>Blur probability of each global view (one value per view, or one value for all; default 0.5 above 32 px, else 0).</summary>
    public double[]? BlurP { get; init; }

    /// <summary>Solarize probability of each global view (one value per view, or one value for all; default 0).</summary>
    public double[]? SolarizeP { get; init; }

    /// <summary>Number of global views (default 2).</summary>
    public int? GlobalCrops { get; init; }

    /// <summary>Side of the global views in pixels (default: the image side).</summary>
    public int? GlobalSize { get; init; }

    /// <summary>Number of local (multi-crop) views (default 0).</summary>
    public int? LocalCrops { get; init; }

    /// <summary>Side of the local views in pixels (default: 3/7 of the image side, DINO's 96/224).</summary>
    public int? LocalSize { get; init; }

    /// <summary>Area fraction range of the local crops (default DINO's [0.05, 0.4]).</summary>
    public double[]? LocalScale { get; init; }

    /// <summary>Blur probability of the local views (default DINO's 0.5).</summary>
    public double? LocalBlurP { get; init; }

    /// <summary>This recipe with every property that <paramref name="overrides"/> sets replaced by its value.</summary>
    public AugmentRecipe With(AugmentRecipe? overrides)
    {
        if (overrides is null) return this;
        return new AugmentRecipe
        {
            CropScale = overrides.CropScale ?? CropScale,
            Jitter = overrides.Jitter ?? Jitter,
            JitterP = overrides.JitterP ?? JitterP,
            GrayscaleP = overrides.GrayscaleP ?? GrayscaleP,
            BlurP = overrides.BlurP ?? BlurP,
            SolarizeP = overrides.SolarizeP ?? SolarizeP,
            GlobalCrops = overrides.GlobalCrops ?? GlobalCrops,
            GlobalSize = overrides.GlobalSize ?? GlobalSize,
            LocalCrops = overrides.LocalCrops ?? LocalCrops,
            LocalSize = overrides.LocalSize ?? LocalSize,
            LocalScale = overrides.LocalScale ?? LocalScale,
            LocalBlurP = overrides.LocalBlurP ?? LocalBlurP,
        };
    }

    /// <summary>
    /// Builds the view generator for images of side <paramref name="imageSize"/> with
    /// <paramref name="channels"/> channels: the global views first, then the local views.
    /// </summary>
    /// <param name="imageSize">Side of the data set's images (the default global view size).</param>
    /// <param name="channels">1 or 3.</param>
    /// <param name="mean">Per-channel mean for normalisation.</param>
    /// <param name="std">Per-channel standard deviation for normalisation.</param>
    /// <exception cref="ArgumentException">A value is out of range; the message names the preset key.</exception>
    public ViewTransform Build(int imageSize, int channels, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (channels != 1 && channels != 3)
            throw new ArgumentOutOfRangeException(nameof(channels), $"Augmentation recipes work on 1- or 3-channel images, got {channels}.");
        int globals = GlobalCrops ?? 2;
        if (globals < 1) throw new ArgumentException($"augment.global_crops must be >= 1, got {globals}.");
        int globalSize = GlobalSize ?? imageSize;
        int locals = LocalCrops ?? 0;
        if (locals < 0) throw new ArgumentException($"augment.local_crops must be >= 0, got {locals}.");
        int localSize = LocalSize ?? Math.Max(1, (int)Math.Round(imageSize * 96.0 / 224));
        if (locals > 0 && localSize >= globalSize)
            throw new ArgumentException(
                $"augment.local_size ({localSize} px) must be smaller than the global view size ({globalSize} px): local crops are the small views of multi-crop.");

        var scale = Range(CropScale, (SimCLRAugment.DefaultMinScale(imageSize), 1.0), "crop_scale");
        double s = SimCLRAugment.DefaultJitterStrength(imageSize);
        var jitter = Jitter ?? new[] { 0.8 * s, 0.8 * s, 0.8 * s, 0.2 * s };
        if (jitter.Length != 4 || jitter.Any(v => v < 0))
            throw new ArgumentException($"augment.jitter needs 4 values >= 0 (brightness, contrast, saturation, hue), got [{string.Join(", ", jitter)}].");
        var blur = PerView(BlurP, globals, SimCLRAugment.DefaultBlur(imageSize) ? 0.5 : 0.0, "blur_p");
        var solarize = PerView(SolarizeP, globals, 0.0, "solarize_p");

        var groups = new List<ViewGroup>();
        var pipelines = Enumerable.Range(0, globals)
            .Select(v => View(globalSize, channels, mean, std, scale, jitter, blur[v], solarize[v]))
            .ToList();
        bool symmetric = blur.Distinct().Count() == 1 && solarize.Distinct().Count() == 1;
        if (symmetric) groups.Add(new ViewGroup(pipelines[0], globals));
        else groups.AddRange(pipelines.Select(p => new ViewGroup(p)));
        if (locals > 0)
        {
            var localScale = Range(LocalScale, (0.05, 0.4), "local_scale");
            groups.Add(new ViewGroup(View(localSize, channels, mean, std, localScale, jitter, LocalBlurP ?? 0.5, 0), locals));
        }
        return new ViewTransform(groups, globals);
    }

    private Compose View(int size, int channels, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        (double Min, double Max) scale, double[] jitter, double blurP, double solarizeP) =>
        Pipeline(size, channels, mean, std, scale, jitter, JitterP ?? 0.8, GrayscaleP ?? 0.2, blurP, solarizeP);

    /// <summary>
    /// One view's pipeline: crop with flip 0.5, colour jitter, grayscale (3 channels), blur, solarize (each only
    /// when its probability is above 0), normalise. Shared with <see cref="SimCLRAugment.View"/>.
    /// </summary>
    internal static Compose Pipeline(int size, int channels, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        (double Min, double Max) scale, IReadOnlyList<double> jitter, double jitterP, double grayscaleP, double blurP, double solarizeP)
    {
        bool color = channels == 3;
        var steps = new List<IBatchTransform>
        {
            // Crop + flip(0.5) fused into one resampling pass (same as RandomResizedCrop then RandomHorizontalFlip(0.5)).
            new RandomResizedCrop(size, scale: scale, horizontalFlip: 0.5),
            new ColorJitter(jitter[0], jitter[1], color ? jitter[2] : 0, color ? jitter[3] : 0, p: jitterP),
        };
        if (color && grayscaleP > 0) steps.Add(new RandomGrayscale(grayscaleP));
        if (blurP > 0) steps.Add(new GaussianBlur(GaussianBlur.SimCLRKernelSize(size), (0.1, 2.0), p: blurP));
        if (solarizeP > 0) steps.Add(new RandomSolarize(0.5, solarizeP));
        steps.Add(new Normalize(mean, std));
        return new Compose(steps.ToArray());
    }

    private static (double Min, double Max) Range(double[]? values, (double, double) fallback, string key)
    {
        if (values is null) return fallback;
        if (values.Length != 2 || !(values[0] > 0 && values[0] <= values[1] && values[1] <= 1))
            throw new ArgumentException($"augment.{key} must be [min, max] with 0 < min <= max <= 1, got [{string.Join(", ", values)}].");
        return (values[0], values[1]);
    }

    private static double[] PerView(double[]? values, int views, double fallback, string key)
    {
        if (values is null) return Enumerable.Repeat(fallback, views).ToArray();
        if (values.Length == 1) values = Enumerable.Repeat(values[0], views).ToArray();
        if (values.Length != views || values.Any(p => !(p >= 0 && p <= 1)))
            throw new ArgumentException(
                $"augment.{key} needs one probability in [0, 1] per global view ({views}) or a single value, got [{string.Join(", ", values)}].");
        return values;
    }
}
