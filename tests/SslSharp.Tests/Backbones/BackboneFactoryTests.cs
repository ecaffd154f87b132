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
        Assert.Equal(new[] { "resnet18", "resnet34", "resnet50", "convnet", "vit-tiny", "vit-small", "vit-base", "vit-cpu" }, BackboneFactory.Names);
    }

    [Fact]
    public void Unknown_name_lists_the_known_names()
    {
        var ex = Assert.Throws<ArgumentException>(() => BackboneFactory.Create(new BackboneOptions { Name = "vgg16" }));
        Assert.Contains("vgg16", ex.Message);
        foreach (var n in BackboneFactory.Names) Assert.Contains(n, ex.Message);
    }

    [Theory]
    [InlineData("vit-tiny", 28, null, 192, 12, 3, 4)]
    [InlineData("ViT-Small", 32, null, 384, 12, 6, 4)]
    [InlineData("vit_base", 224, null, 768, 12, 12, 16)]
    [InlineData("vit-tiny", 28, 7, 192, 12, 3, 7)]
    public void Creates_the_named_ViTs_for_the_data_sets_image_size(string name, int image, int? patch, int dim, int depth, int heads, int expectedPatch)
    {
        var options = new BackboneOptions { Name = name, PatchSize = patch, DropPathRate = 0.1 };
        Assert.True(BackboneFactory.IsKnown(name));
        using var vit = Assert.IsType<VisionTransformer>(BackboneFactory.Create(options, inChannels: 3, seed: 1, imageSize: image));
        Assert.Equal((dim, depth, heads, expectedPatch, image, 3, 0.1),
            (vit.Options.Dim, vit.Options.Depth, vit.Options.Heads, vit.PatchSize, vit.Options.ImageSize, vit.InputChannels, vit.Options.DropPathRate));
        Assert.Equal(dim, vit.FeatureDim);
        Assert.Equal((image / expectedPatch) * (image / expectedPatch), vit.NumPatches);
    }

    [Fact]
    public void A_ViT_without_an_image_size_or_with_a_patch_that_does_not_divide_it_fails_clearly()
    {
        var noSize = Assert.Throws<ArgumentException>(() => BackboneFactory.Create(new BackboneOptions { Name = "vit-cpu" }, 1));
        Assert.Contains("needs the image size", noSize.Message);
        var badPatch = Assert.Throws<ArgumentException>(() => BackboneFactory.Create(new BackboneOptions { Name = "vit-cpu", PatchSize = 5 }, 1, imageSize: 28));
        Assert.Contains("multiple of 5", badPatch.Message);
        using var cpu = (VisionTransformer)BackboneFactory.Create(new BackboneOptions { Name = "vit-cpu" }, 1, imageSize: 28);
        Assert.Equal(BackboneFactory.VitCpu with { ImageSize = 28, InChannels = 1 }, cpu.Options);
    }
}
