using SslSharp.Backbones;

namespace SslSharp.Tests.Backbones;

public class BackboneFactoryTests
{
    [Theory]
    [InlineData("resnet18", typeof(ResNet), 512)]
    [InlineData("ResNet-34", typeof(ResNet), 512)]
    [InlineData("resnet_50", typeof(ResNet), 2048)]
    [InlineData("convnet", typeof(ConvNet), 256)]
    public void Creates_each_named_backbone(string name, Type type, int featureDim)
    {
        using var b = BackboneFactory.Create(new BackboneOptions { Name = name, LowResStem = true }, inChannels: 1);
        Assert.IsType(type, b);
        Assert.Equal(featureDim, b.FeatureDim);
        Assert.Equal(1, b.InputChannels);
    }

    [Fact]
    public void Passes_stem_and_width_through()
    {
        using var b = (ResNet)BackboneFactory.Create(new BackboneOptions { Name = "resnet18", LowResStem = true, WidthMultiplier = 0.5 }, 3);
        Assert.True(b.LowResStem);
        Assert.Equal(256, b.FeatureDim);
        Assert.Equal(new[] { "resnet18", "resnet34", "resnet50", "convnet" }, BackboneFactory.Names);
    }

    [Fact]
    public void Unknown_name_lists_the_known_names()
    {
        var ex = Assert.Throws<ArgumentException>(() => BackboneFactory.Create(new BackboneOptions { Name = "vgg16" }));
        Assert.Contains("vgg16", ex.Message);
        foreach (var n in BackboneFactory.Names) Assert.Contains(n, ex.Message);
    }
}
