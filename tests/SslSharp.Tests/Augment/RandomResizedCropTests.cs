using SslSharp.Augment;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Augment;

public class RandomResizedCropTests
{
    [Theory]
    [InlineData(224, 224, 0.08, 1.0)]
    [InlineData(28, 28, 0.2, 1.0)]
    [InlineData(96, 64, 0.05, 0.4)]
    public void Boxes_keep_area_fraction_and_aspect_ratio_within_bounds(int h, int w, double smin, double smax)
    {
        var t = new RandomResizedCrop(16, (smin, smax));
        var boxes = t.SampleBoxes(4000, h, w, TestImages.Gen(3));
        double area = (double)h * w;
        int fallbacks = 0;
        foreach (var b in boxes)
        {
            Assert.InRange(b.Top, 0, h - b.Height);
            Assert.InRange(b.Left, 0, w - b.Width);
            Assert.True(b.Height >= 1 && b.Width >= 1);
            bool fallback = b.Top == (h - b.Height) / 2 && b.Left == (w - b.Width) / 2 && (b.Height == h || b.Width == w);
            if (fallback) { fallbacks++; continue; }
            // Rounding w and h to integers moves the fraction by at most about (w + h) / 2 / area.
            double tol = (b.Width + b.Height + 1) / 2.0 / area;
            double frac = b.Height * b.Width / area;
            Assert.InRange(frac, smin - tol, smax + tol);
            double aspect = (double)b.Width / b.Height;
            Assert.InRange(aspect, 3.0 / 4 * (1 - 1.0 / b.Height) - 1e-9, 4.0 / 3 * (1 + 1.0 / b.Height) + 1e-9);
        }
        Assert.True(fallbacks < boxes.Length / 20, $"{fallbacks} of {boxes.Length} draws fell back to the centre crop");
    }

    [Fact]
    public void Area_fractions_spread_over_the_whole_scale_range()
    {
        var t = new RandomResizedCrop(16, (0.08, 1.0));
        var fracs = t.SampleBoxes(4000, 224, 224, TestImages.Gen(4)).Select(b => b.Height * b.Width / (224.0 * 224)).ToArray();
        Assert.True(fracs.Min() < 0.1, $"smallest fraction {fracs.Min()}");
        Assert.True(fracs.Max() > 0.95, $"largest fraction {fracs.Max()}");
        // U(0.08, 1) has mean 0.54; rejected large draws (w or h > side) pull it slightly down.
        Assert.InRange(fracs.Average(), 0.40, 0.56);
    }

    [Fact]
    public void Impossible_aspect_falls_back_to_centre_crop_with_clamped_ratio()
    {
        // A 10x40 image (ratio 4) with ratio range (0.5, 1) and scale (0.9, 1): no box fits, so
        // torchvision's fallback takes h = 10, w = round(10 * 1) = 10 centred.
        var t = new RandomResizedCrop(8, (0.9, 1.0), (0.5, 1.0));
        foreach (var b in t.SampleBoxes(50, 10, 40, TestImages.Gen(5)))
            Assert.Equal(new SslSharp.Augment.Functional.CropBox(0, 15, 10, 10), b);
    }

    [Fact]
    public void Output_has_requested_size_and_stays_in_unit_range()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(6, 3, 20, 24);
        var y = new RandomResizedCrop(12).Apply(x, TestImages.Gen(1));
        Assert.Equal(new long[] { 6, 3, 12, 12 }, y.shape);
        Assert.True(y.min().item<float>() >= 0f && y.max().item<float>() <= 1f);
    }

    [Fact]
    public void Full_image_box_at_same_size_is_identity()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(3, 3, 9, 9);
        var boxes = Enumerable.Repeat(new SslSharp.Augment.Functional.CropBox(0, 0, 9, 9), 3).ToArray();
        var y = SslSharp.Augment.Functional.GeometryFunctional.ResizedCrop(x, boxes, 9, 9);
        Assert.True(TestImages.BitwiseEqual(x, y));
    }

    [Fact]
    public void Same_seed_same_output_different_seed_different_output()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(8, 3, 16, 16);
        var t = new RandomResizedCrop(8, horizontalFlip: 0.5);
        var a = t.Apply(x, TestImages.Gen(11));
        var b = t.Apply(x, TestImages.Gen(11));
        var c = t.Apply(x, TestImages.Gen(12));
        Assert.True(TestImages.BitwiseEqual(a, b));
        Assert.False(TestImages.BitwiseEqual(a, c));
    }

    [Fact]
    public void Samples_in_one_batch_get_different_boxes()
    {
        var boxes = new RandomResizedCrop(8).SampleBoxes(64, 32, 32, TestImages.Gen(2));
        Assert.True(boxes.Distinct().Count() > 50, $"only {boxes.Distinct().Count()} distinct boxes among 64 samples");
    }

    [Fact]
    public void Identical_images_in_a_batch_get_different_crops()
    {
        using var scope = torch.NewDisposeScope();
        var one = TestImages.Float(1, 3, 16, 16);
        var x = one.expand(2, 3, 16, 16).contiguous();
        var y = new RandomResizedCrop(8).Apply(x, TestImages.Gen(9));
        Assert.False(TestImages.BitwiseEqual(y[0], y[1]));
    }

    [Fact]
    public void Fused_flip_mirrors_about_half_of_the_crops()
    {
        using var scope = torch.NewDisposeScope();
        // Full-image crops (scale 1, ratio 1) of an asymmetric image isolate the flip.
        var x = torch.arange(16f).reshape(1, 1, 1, 16).expand(2000, 1, 16, 16).contiguous().div(15f);
        var y = new RandomResizedCrop(16, (1.0, 1.0), (1.0, 1.0), horizontalFlip: 0.5).Apply(x, TestImages.Gen(6));
        var flipped = y.select(3, 0).select(2, 0).select(1, 0).gt(0.5f).to(ScalarType.Int64).sum().item<long>();
        Assert.InRange(flipped, 900, 1100);
        var notFlipped = y.eq(x).flatten(1).all(1).to(ScalarType.Int64).sum().item<long>();
        Assert.Equal(2000L - flipped, notFlipped);
    }

    [Fact]
    public void Bad_settings_and_input_throw_clear_messages()
    {
        var e = Assert.Throws<ArgumentException>(() => new RandomResizedCrop(8, (1.0, 0.08)));
        Assert.Contains("min <= max", e.Message);
        Assert.Throws<ArgumentException>(() => new RandomResizedCrop(8, ratio: (4.0 / 3, 3.0 / 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(0));
        using var scope = torch.NewDisposeScope();
        var e2 = Assert.Throws<ArgumentException>(() => new RandomResizedCrop(8).Apply(torch.rand(3, 8, 8), TestImages.Gen(0)));
        Assert.Contains("[N, C, H, W]", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new RandomResizedCrop(8).Apply(torch.zeros(new long[] { 1, 3, 8, 8 }, ScalarType.Byte), TestImages.Gen(0)));
        Assert.Contains("floating-point", e3.Message);
    }
}
