using SslSharp.Augment;
using SslSharp.Augment.Functional;
using TorchSharp;
using static TorchSharp.torch;
using static SslSharp.Tests.Augment.AugmentReference;

namespace SslSharp.Tests.Augment;

/// <summary>The deterministic kernels against torchvision 0.14's functional ops (fixtures from scripts/make_augment_fixtures.py).</summary>
public class FunctionalReferenceTests
{
    [Fact]
    public void Brightness_matches_torchvision_on_rgb_and_gray()
    {
        using var scope = torch.NewDisposeScope();
        var f = Factors("brightness", "factors");
        AssertClose(Tensor("brightness", "rgb"), ColorFunctional.AdjustBrightness(Tensor("rgb"), f), 1e-6, "brightness rgb");
        AssertClose(Tensor("brightness", "gray"), ColorFunctional.AdjustBrightness(Tensor("gray"), f), 1e-6, "brightness gray");
    }

    [Fact]
    public void Contrast_matches_torchvision_on_rgb_and_gray()
    {
        using var scope = torch.NewDisposeScope();
        var f = Factors("contrast", "factors");
        AssertClose(Tensor("contrast", "rgb"), ColorFunctional.AdjustContrast(Tensor("rgb"), f), 1e-5, "contrast rgb");
        AssertClose(Tensor("contrast", "gray"), ColorFunctional.AdjustContrast(Tensor("gray"), f), 1e-5, "contrast gray");
    }

    [Fact]
    public void Saturation_matches_torchvision()
    {
        using var scope = torch.NewDisposeScope();
        AssertClose(Tensor("saturation", "rgb"), ColorFunctional.AdjustSaturation(Tensor("rgb"), Factors("saturation", "factors")), 1e-5, "saturation");
    }

    [Fact]
    public void Hue_matches_torchvision_including_greys_and_channel_ties()
    {
        using var scope = torch.NewDisposeScope();
        AssertClose(Tensor("hue", "rgb"), ColorFunctional.AdjustHue(Tensor("rgb"), Factors("hue", "factors")), 1e-4, "hue");
    }

    [Fact]
    public void Hue_with_zero_shift_round_trips_through_hsv()
    {
        using var scope = torch.NewDisposeScope();
        var x = Tensor("rgb");
        AssertClose(x, ColorFunctional.AdjustHue(x, torch.zeros(x.shape[0])), 1e-5, "hue 0");
    }

    [Fact]
    public void Grayscale_matches_torchvision_rgb_to_grayscale_with_three_output_channels()
    {
        using var scope = torch.NewDisposeScope();
        var x = Tensor("rgb");
        var all = RandomGrayscale.ApplyWithMask(x, torch.ones(x.shape[0], dtype: ScalarType.Bool));
        AssertClose(Tensor("grayscale", "rgb"), all, 1e-6, "grayscale");
    }

    [Fact]
    public void Fused_blend_equals_the_single_steps()
    {
        using var scope = torch.NewDisposeScope();
        var x = Tensor("rgb");
        var f = torch.tensor(new[] { 0.3f, 1.6f, 1f });
        var one = torch.ones(3); var zero = torch.zeros(3);
        AssertClose(ColorFunctional.AdjustContrast(x, f), ColorFunctional.Blend(x, f, zero, 1 - f, true), 1e-6, "contrast");
        AssertClose(ColorFunctional.AdjustSaturation(x, f), ColorFunctional.Blend(x, f, 1 - f, zero, true), 1e-6, "saturation");
        Assert.True(TestImages.BitwiseEqual(x, ColorFunctional.Blend(x, one, zero, zero, true)), "identity coefficients must return x bit for bit");
    }

    [Fact]
    public void ColorJitter_with_explicit_factors_and_order_matches_torchvision_sequence()
    {
        using var scope = torch.NewDisposeScope();
        var jitter = new ColorJitter(0.5, 0.5, 0.5, 0.3, p: 1.0);
        var order = torch.tensor(Get("jitter", "order").EnumerateArray()
            .SelectMany(r => r.EnumerateArray().Select(v => v.GetInt64())).ToArray(), new long[] { 3, 4 });
        var y = jitter.ApplyWithFactors(Tensor("rgb"), torch.ones(3, dtype: ScalarType.Bool),
            Factors("jitter", "brightness"), Factors("jitter", "contrast"), Factors("jitter", "saturation"), Factors("jitter", "hue"), order);
        AssertClose(Tensor("jitter", "rgb"), y, 1e-4, "jitter");
    }

    [Fact]
    public void Gaussian_blur_with_fixed_sigmas_matches_torchvision()
    {
        using var scope = torch.NewDisposeScope();
        int k = Get("blur", "kernel").GetInt32();
        var y = BlurFunctional.Blur(Tensor("rgb"), k, Factors("blur", "sigmas"));
        AssertClose(Tensor("blur", "rgb"), y, 1e-5, "blur");
    }

    [Fact]
    public void Solarize_matches_torchvision()
    {
        using var scope = torch.NewDisposeScope();
        var y = ColorFunctional.Solarize(Tensor("rgb"), Get("solarize", "threshold").GetDouble());
        AssertClose(Tensor("solarize", "rgb"), y, 0, "solarize");
        var viaTransform = new RandomSolarize(0.5, p: 1.0).Apply(Tensor("rgb"), TestImages.Gen(1));
        AssertClose(Tensor("solarize", "rgb"), viaTransform, 0, "RandomSolarize p=1");
    }

    [Fact]
    public void Normalize_matches_torchvision()
    {
        using var scope = torch.NewDisposeScope();
        var t = new Normalize(Floats("normalize", "mean"), Floats("normalize", "std"));
        AssertClose(Tensor("normalize", "rgb"), t.Apply(Tensor("rgb"), TestImages.Gen(0)), 1e-6, "normalize");
    }

    [Theory]
    [InlineData(6)]
    [InlineData(13)]
    public void Resized_crop_with_fixed_boxes_matches_torchvision_bilinear(int size)
    {
        using var scope = torch.NewDisposeScope();
        var boxes = Get("resized_crop", "boxes").EnumerateArray()
            .Select(b => b.EnumerateArray().Select(v => v.GetInt32()).ToArray())
            .Select(b => new CropBox(b[0], b[1], b[2], b[3])).ToArray();
        var y = GeometryFunctional.ResizedCrop(Tensor("rgb"), boxes, size, size);
        AssertClose(Tensor("resized_crop", "outputs", size.ToString(System.Globalization.CultureInfo.InvariantCulture)), y, 1e-5, $"resized crop {size}");
    }

    [Fact]
    public void Resized_crop_with_flip_mirrors_the_unflipped_crop()
    {
        using var scope = torch.NewDisposeScope();
        var x = Tensor("rgb");
        var boxes = new[] { new CropBox(1, 2, 5, 6), new CropBox(0, 0, 8, 9), new CropBox(3, 1, 4, 4) };
        var plain = GeometryFunctional.ResizedCrop(x, boxes, 7, 5);
        var flipped = GeometryFunctional.ResizedCrop(x, boxes, 7, 5, new[] { true, false, true });
        AssertClose(plain[0].flip(2), flipped[0], 1e-6, "sample 0 flipped");
        AssertClose(plain[1], flipped[1], 0, "sample 1 unflipped");
        AssertClose(plain[2].flip(2), flipped[2], 1e-6, "sample 2 flipped");
    }
}
