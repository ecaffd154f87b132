using SslSharp.Augment;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Augment;

/// <summary>Properties shared by the probabilistic transforms: p = 0 identity, p = 1 always, seeds, per-sample draws.</summary>
public class RandomTransformTests
{
    public static TheoryData<string> Names => new() { "flip", "jitter", "grayscale", "blur", "solarize" };

    private static IBatchTransform Make(string name, double p) => name switch
    {
        "flip" => new RandomHorizontalFlip(p),
        "jitter" => new ColorJitter(0.4, 0.4, 0.4, 0.1, p),
        "grayscale" => new RandomGrayscale(p),
        "blur" => new GaussianBlur(5, (0.5, 2.0), p), // sigma 0.1 is numerically a no-op kernel
        "solarize" => new RandomSolarize(0.5, p),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Probability_zero_is_bitwise_identity(string name)
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(16, 3, 12, 12);
        var y = Make(name, 0).Apply(x, TestImages.Gen(1));
        Assert.True(TestImages.BitwiseEqual(x, y), $"{name} with p = 0 changed the images");
        Assert.False(ReferenceEquals(x, y));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Probability_one_changes_every_sample(string name)
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(32, 3, 12, 12);
        var y = Make(name, 1).Apply(x, TestImages.Gen(2));
        Assert.All(TestImages.Changed(x, y), changed => Assert.True(changed, $"{name} with p = 1 left a sample unchanged"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Same_seed_same_output_different_seed_different_output(string name)
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(16, 3, 12, 12);
        var t = Make(name, 0.5);
        Assert.True(TestImages.BitwiseEqual(t.Apply(x, TestImages.Gen(5)), t.Apply(x, TestImages.Gen(5))));
        Assert.False(TestImages.BitwiseEqual(t.Apply(x, TestImages.Gen(5)), t.Apply(x, TestImages.Gen(6))));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Input_is_not_modified(string name)
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(8, 3, 12, 12);
        var copy = x.clone();
        Make(name, 1).Apply(x, TestImages.Gen(3));
        Assert.True(TestImages.BitwiseEqual(copy, x));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("grayscale")]
    [InlineData("solarize")]
    [InlineData("blur")]
    [InlineData("jitter")]
    public void About_half_of_2000_samples_change_at_p_one_half(string name)
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(2000, 3, 6, 6);
        var y = Make(name, 0.5).Apply(x, TestImages.Gen(8));
        int changed = TestImages.Changed(x, y).Count(c => c);
        // Binomial(2000, 0.5): sd 22; +-5 sd.
        Assert.InRange(changed, 890, 1110);
    }

    [Fact]
    public void Jitter_gives_identical_images_different_factors()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(1, 3, 8, 8).expand(4, 3, 8, 8).contiguous();
        var y = new ColorJitter(0.4, 0.4, 0.4, 0.1, 1.0).Apply(x, TestImages.Gen(4));
        for (int i = 1; i < 4; i++) Assert.False(TestImages.BitwiseEqual(y[0], y[i]), $"samples 0 and {i} got the same jitter");
    }

    [Fact]
    public void Blur_gives_identical_images_different_sigmas()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(1, 3, 12, 12).expand(3, 3, 12, 12).contiguous();
        var y = new GaussianBlur(5, (0.1, 2.0), 1.0).Apply(x, TestImages.Gen(4));
        Assert.False(TestImages.BitwiseEqual(y[0], y[1]));
        Assert.False(TestImages.BitwiseEqual(y[1], y[2]));
    }

    [Fact]
    public void Jitter_uses_every_order_of_its_four_steps()
    {
        // Brightness then contrast differs from contrast then brightness only through clamping,
        // so check the order draw directly: 24 permutations should all show up in 2000 samples.
        using var scope = torch.NewDisposeScope();
        var order = torch.rand(new long[] { 2000, 4 }, dtype: ScalarType.Float64, generator: TestImages.Gen(1)).argsort(1);
        var keys = order.matmul(torch.tensor(new long[] { 1000, 100, 10, 1 })).data<long>().ToArray();
        Assert.Equal(24, keys.Distinct().Count());
    }

    [Fact]
    public void Jitter_on_one_channel_applies_brightness_and_contrast_only()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(8, 1, 8, 8);
        var satHue = new ColorJitter(0, 0, 0.8, 0.4, 1.0).Apply(x, TestImages.Gen(1));
        Assert.True(TestImages.BitwiseEqual(x, satHue), "saturation and hue must be no-ops on 1-channel images");
        var bc = new ColorJitter(0.8, 0.8, 0, 0, 1.0).Apply(x, TestImages.Gen(1));
        Assert.All(TestImages.Changed(x, bc), Assert.True);
        Assert.Equal(x.shape, bc.shape);
    }

    [Fact]
    public void Grayscale_keeps_channels_makes_them_equal_and_is_noop_on_one_channel()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(4, 3, 5, 5);
        var y = new RandomGrayscale(1.0).Apply(x, TestImages.Gen(0));
        Assert.Equal(x.shape, y.shape);
        Assert.True(TestImages.BitwiseEqual(y.select(1, 0), y.select(1, 1)) && TestImages.BitwiseEqual(y.select(1, 1), y.select(1, 2)));
        var g = TestImages.Float(4, 1, 5, 5);
        Assert.True(TestImages.BitwiseEqual(g, new RandomGrayscale(1.0).Apply(g, TestImages.Gen(0))));
    }

    [Fact]
    public void Blur_preserves_constant_images_and_mean_roughly()
    {
        using var scope = torch.NewDisposeScope();
        var c = torch.full(new long[] { 3, 3, 10, 10 }, 0.37f);
        var y = new GaussianBlur(5, (0.5, 2.0), 1.0).Apply(c, TestImages.Gen(0));
        Assert.True((y - c).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void Flip_mirrors_exactly()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(4, 2, 3, 5);
        var y = new RandomHorizontalFlip(1.0).Apply(x, TestImages.Gen(0));
        Assert.True(TestImages.BitwiseEqual(x.flip(3), y));
    }

    [Fact]
    public void Bad_settings_and_input_throw_clear_messages()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ColorJitter(hue: 0.7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ColorJitter(brightness: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianBlur(4));
        var e = Assert.Throws<ArgumentException>(() => new GaussianBlur(3, (2.0, 0.1)));
        Assert.Contains("min <= max", e.Message);
        using var scope = torch.NewDisposeScope();
        var e2 = Assert.Throws<ArgumentException>(() => new ColorJitter(0.4).Apply(torch.rand(2, 2, 4, 4), TestImages.Gen(0)));
        Assert.Contains("2 channels", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new GaussianBlur(9).Apply(torch.rand(1, 3, 4, 4), TestImages.Gen(0)));
        Assert.Contains("smaller kernel", e3.Message);
        Assert.Throws<ArgumentException>(() => new RandomSolarize().Apply(torch.rand(4, 4), TestImages.Gen(0)));
    }
}
