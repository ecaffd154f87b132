using SslSharp.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Backbones;

public class ConvNetTests
{
    [Fact]
    public void Default_convnet_maps_28x28_grayscale_to_256_features()
    {
        using var model = new ConvNet(inChannels: 1);
        using var scope = torch.NewDisposeScope();
        var y = model.call(torch.randn(2, 1, 28, 28));
        Assert.Equal(256, model.FeatureDim);
        Assert.Equal(new[] { 32, 64, 128, 256 }, model.Widths);
        Assert.Equal(new long[] { 2, 256 }, y.shape);
        Assert.True(y.isfinite().all().all().item<bool>());
    }

    [Theory]
    [InlineData(0.5, 128)]
    [InlineData(2.0, 512)]
    public void Width_multiplier_scales_the_feature_width(double w, int expected)
    {
        using var model = new ConvNet(3, widthMultiplier: w);
        Assert.Equal(expected, model.FeatureDim);
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new long[] { 3, expected }, model.call(torch.randn(3, 3, 32, 32)).shape);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(64)]
    public void Any_image_size_works(int size)
    {
        using var model = new ConvNet(1, new[] { 4, 8 });
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new long[] { 2, 8 }, model.call(torch.randn(2, 1, size, size)).shape);
    }

    [Fact]
    public void State_dict_keys_are_readable()
    {
        using var model = new ConvNet(1, new[] { 4, 8 });
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("blocks.0.conv.weight", keys);
        Assert.Contains("blocks.1.bn.running_var", keys);
        Assert.DoesNotContain("blocks.0.conv.bias", keys); // BN follows: no conv bias
    }

    [Fact]
    public void Wrong_channel_count_and_bad_arguments_fail()
    {
        using var model = new ConvNet(3);
        using var scope = torch.NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => model.call(torch.randn(2, 1, 28, 28)));
        Assert.Contains("[N, 3, H, W]", ex.Message);
        Assert.Throws<ArgumentException>(() => new ConvNet(1, Array.Empty<int>()));
        Assert.Throws<ArgumentException>(() => new ConvNet(1, new[] { 8, 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvNet(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvNet(1, widthMultiplier: -1));
    }

    [Fact]
    public void Same_seed_gives_the_same_weights()
    {
        using var a = new ConvNet(1, seed: 5);
        using var b = new ConvNet(1, seed: 5);
        using var c = new ConvNet(1, seed: 6);
        Assert.True(a.state_dict()["blocks.2.conv.weight"].equal(b.state_dict()["blocks.2.conv.weight"]).all().item<bool>());
        Assert.False(a.state_dict()["blocks.2.conv.weight"].equal(c.state_dict()["blocks.2.conv.weight"]).all().item<bool>());
    }
}
