using SslSharp.Augment;
using SslSharp.Augment.Presets;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Augment;

public sealed class AugmentRecipeTests
{
    private static readonly float[] Mean = { 0.3f }, Std = { 0.3f };

    private static Tensor Images(int n = 6, int channels = 1, int size = 28)
    {
        using var g = new Generator(11);
        return torch.randint(0, 256, new long[] { n, channels, size, size }, generator: g).to(ScalarType.Byte);
    }

    [Fact]
    public void The_empty_recipe_is_the_simclr_recipe_draw_for_draw()
    {
        using var scope = torch.NewDisposeScope();
        var images = Images();
        var ours = new AugmentRecipe().Build(28, 1, Mean, Std);
        var simclr = SimCLRAugment.Create(28, 1, Mean, Std);
        using var a = ours.CreateViews(images, null, new Generator(5));
        using var b = simclr.CreateViews(images, null, new Generator(5));
        Assert.Equal(2, a.Count);
        for (int v = 0; v < 2; v++) Assert.True(a.Views[v].allclose(b.Views[v], 0, 0));
    }

    [Fact]
    public void Asymmetric_probabilities_give_one_pipeline_per_view()
    {
        var recipe = new AugmentRecipe { BlurP = new[] { 1.0, 0.1 }, SolarizeP = new[] { 0.0, 0.2 } };
        var views = recipe.Build(28, 3, new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.2f, 0.2f, 0.2f });
        Assert.Equal(2, views.Groups.Count);
        var first = (Compose)views.Pipelines[0];
        var second = (Compose)views.Pipelines[1];
        Assert.Equal(1.0, first.Transforms.OfType<GaussianBlur>().Single().P);
        Assert.Empty(first.Transforms.OfType<RandomSolarize>());
        Assert.Equal(0.1, second.Transforms.OfType<GaussianBlur>().Single().P);
        Assert.Equal(0.2, second.Transforms.OfType<RandomSolarize>().Single().P);
        Assert.Equal(0.2, first.Transforms.OfType<RandomGrayscale>().Single().P);
    }

    [Fact]
    public void Multi_crop_adds_small_local_views_after_the_globals()
    {
        using var scope = torch.NewDisposeScope();
        var recipe = new AugmentRecipe { LocalCrops = 4, LocalSize = 12, LocalScale = new[] { 0.05, 0.4 } };
        using var batch = recipe.Build(28, 1, Mean, Std).CreateViews(Images(), null, new Generator(1));
        Assert.Equal(6, batch.Count);
        Assert.Equal(2, batch.GlobalCount);
        Assert.All(batch.Global, v => Assert.Equal(new long[] { 6, 1, 28, 28 }, v.shape));
        Assert.All(batch.Local, v => Assert.Equal(new long[] { 6, 1, 12, 12 }, v.shape));
    }

    [Theory]
    [InlineData("crop_scale")]
    [InlineData("blur_p")]
    [InlineData("jitter")]
    [InlineData("local_size")]
    public void Bad_values_name_their_key(string key)
    {
        var recipe = key switch
        {
            "crop_scale" => new AugmentRecipe { CropScale = new[] { 0.5, 0.2 } },
            "blur_p" => new AugmentRecipe { BlurP = new[] { 0.5, 0.5, 0.5 } },
            "jitter" => new AugmentRecipe { Jitter = new[] { 0.4 } },
            _ => new AugmentRecipe { LocalCrops = 2, LocalSize = 28 },
        };
        var e = Assert.Throws<ArgumentException>(() => recipe.Build(28, 1, Mean, Std));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void With_overrides_only_what_is_set()
    {
        var a = new AugmentRecipe { BlurP = new[] { 0.5 }, LocalCrops = 2 };
        var b = a.With(new AugmentRecipe { LocalCrops = 6 });
        Assert.Equal(6, b.LocalCrops);
        Assert.Equal(new[] { 0.5 }, b.BlurP);
    }
}
