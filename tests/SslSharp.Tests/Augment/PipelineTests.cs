using SslSharp.Augment;
using SslSharp.Augment.Presets;
using SslSharp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Augment;

public class PipelineTests
{
    [Fact]
    public void Normalize_rejects_wrong_channel_count_and_bad_std()
    {
        using var scope = torch.NewDisposeScope();
        var n = new Normalize(new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.2f, 0.2f, 0.2f });
        var e = Assert.Throws<ArgumentException>(() => n.Apply(torch.rand(2, 1, 4, 4), TestImages.Gen(0)));
        Assert.Contains("3 channel", e.Message);
        Assert.Throws<ArgumentException>(() => new Normalize(new[] { 0.5f }, new[] { 0f }));
        Assert.Throws<ArgumentException>(() => new Normalize(new[] { 0.5f, 0.5f }, new[] { 0.2f }));
    }

    [Fact]
    public void Compose_applies_in_order_and_empty_compose_copies()
    {
        using var scope = torch.NewDisposeScope();
        var x = TestImages.Float(2, 1, 4, 4);
        var y = new Compose(new RandomHorizontalFlip(1.0), new Normalize(new[] { 0.5f }, new[] { 0.25f })).Apply(x, TestImages.Gen(0));
        Assert.True((y - (x.flip(3) - 0.5f) / 0.25f).abs().max().item<float>() < 1e-6f);
        var c = new Compose().Apply(x, TestImages.Gen(0));
        Assert.True(TestImages.BitwiseEqual(x, c) && !ReferenceEquals(x, c));
    }

    [Fact]
    public void Two_view_transform_makes_two_different_views_and_carries_labels()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Bytes(8, 3, 16, 16);
        var labels = torch.arange(8L);
        var gen = SimCLRAugment.Create(16, 3, SimCLRAugment.Cifar10Mean, SimCLRAugment.Cifar10Std);
        using var batch = gen.CreateViews(images, labels, TestImages.Gen(1));
        Assert.Equal(2, batch.Count);
        Assert.Equal(2, batch.GlobalCount);
        Assert.Equal(new long[] { 8, 3, 16, 16 }, batch.Views[0].shape);
        Assert.Equal(ScalarType.Float32, batch.Views[0].dtype);
        Assert.False(TestImages.BitwiseEqual(batch.Views[0], batch.Views[1]));
        Assert.NotNull(batch.Labels);
        Assert.True(TestImages.BitwiseEqual(labels, batch.Labels!));
        batch.Dispose();
        Assert.Equal(28L, labels.sum().item<long>()); // the caller's labels survive the batch's Dispose
    }

    [Fact]
    public void Same_seed_gives_the_same_views()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Bytes(4, 1, 28, 28);
        var gen = FashionMnist.SimCLRViews();
        using var a = gen.CreateViews(images, null, TestImages.Gen(7));
        using var b = gen.CreateViews(images, null, TestImages.Gen(7));
        Assert.True(TestImages.BitwiseEqual(a.Views[0], b.Views[0]) && TestImages.BitwiseEqual(a.Views[1], b.Views[1]));
        Assert.Equal(new long[] { 4, 1, 28, 28 }, a.Views[0].shape);
    }

    [Fact]
    public void Two_view_transform_runs_each_view_through_its_own_pipeline()
    {
        // BYOL-style asymmetry: the first view is always solarized, the second never is.
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Bytes(4, 3, 8, 8);
        var gen = new TwoViewTransform(new RandomSolarize(0.5, 1.0), new Compose());
        using var batch = gen.CreateViews(images, null, TestImages.Gen(1));
        var x = images.to(ScalarType.Float32) / 255f;
        Assert.True((batch.Views[1] - x).abs().max().item<float>() == 0f, "second view must be the plain float images");
        var expected = torch.where(x.ge(0.5f), 1f - x, x);
        Assert.True((batch.Views[0] - expected).abs().max().item<float>() < 1e-6f, "first view must be solarized");
    }

    [Fact]
    public void Multi_crop_groups_views_by_resolution()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Bytes(3, 3, 32, 32);
        var global = new Compose(new RandomResizedCrop(24, (0.4, 1.0)), new RandomHorizontalFlip());
        var global2 = new Compose(new RandomResizedCrop(24, (0.4, 1.0)), new RandomSolarize(0.5, 0.2));
        var local = new RandomResizedCrop(12, (0.05, 0.4));
        var gen = new MultiCropTransform(global, global2, local, localCount: 4);
        using var batch = gen.CreateViews(images, null, TestImages.Gen(2));
        Assert.Equal(6, batch.Count);
        Assert.Equal(2, batch.GlobalCount);
        Assert.Equal(24, batch.Views[1].shape[2]);
        Assert.Equal(12, batch.Views[5].shape[3]);
        Assert.Equal(new[] { (0, 2), (2, 4) }, batch.ResolutionGroups().ToArray());
        Assert.False(TestImages.BitwiseEqual(batch.Views[2], batch.Views[3]), "local crops must draw their own boxes");
    }

    [Fact]
    public void View_transform_validates_groups_and_input()
    {
        Assert.Throws<ArgumentException>(() => new ViewTransform(Array.Empty<ViewGroup>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ViewTransform(new[] { new ViewGroup(new Compose(), 0) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ViewTransform(new[] { new ViewGroup(new Compose(), 2) }, globalCount: 3));
        using var scope = torch.NewDisposeScope();
        var gen = new TwoViewTransform(new Compose());
        var e = Assert.Throws<ArgumentException>(() => gen.CreateViews(torch.rand(2, 3, 4, 4), null, TestImages.Gen(0)));
        Assert.Contains("uint8", e.Message);
        Assert.Throws<ArgumentException>(() => gen.CreateViews(TestImages.Bytes(2, 3, 4, 4), torch.arange(3L), TestImages.Gen(0)));
    }

    [Fact]
    public void Eval_transform_converts_and_normalises_without_randomness()
    {
        using var scope = torch.NewDisposeScope();
        var images = TestImages.Bytes(2, 1, 28, 28);
        var y = FashionMnist.EvalTransform().Apply(images, TestImages.Gen(0));
        var expected = (images.to(ScalarType.Float32) / 255f - 0.2860f) / 0.3530f;
        Assert.True((y - expected).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void SimCLR_preset_follows_the_recipe()
    {
        var small = SimCLRAugment.View(32, 3, SimCLRAugment.Cifar10Mean, SimCLRAugment.Cifar10Std);
        Assert.DoesNotContain(small.Transforms, t => t is GaussianBlur);
        var jitter = small.Transforms.OfType<ColorJitter>().Single();
        Assert.Equal(0.4, jitter.Brightness, 9);
        Assert.Equal(0.1, jitter.Hue, 9);
        Assert.Equal(0.8, jitter.P);
        Assert.Equal(0.2, small.Transforms.OfType<RandomGrayscale>().Single().P);
        var crop = small.Transforms.OfType<RandomResizedCrop>().Single();
        Assert.Equal((0.08, 1.0), crop.Scale);
        Assert.Equal(0.5, crop.HorizontalFlip);

        var large = SimCLRAugment.View(96, 3, SimCLRAugment.ImageNetMean, SimCLRAugment.ImageNetStd);
        var blur = large.Transforms.OfType<GaussianBlur>().Single();
        Assert.Equal(9, blur.KernelSize);
        Assert.Equal(0.5, blur.P);
        Assert.Equal(0.8, large.Transforms.OfType<ColorJitter>().Single().Brightness, 9);
        Assert.Equal(23, GaussianBlur.SimCLRKernelSize(224));

        var fmnist = SimCLRAugment.View(28, 1, FashionMnist.Mean, FashionMnist.Std);
        Assert.Equal((0.2, 1.0), fmnist.Transforms.OfType<RandomResizedCrop>().Single().Scale);
        Assert.DoesNotContain(fmnist.Transforms, t => t is RandomGrayscale);
        Assert.Throws<ArgumentException>(() => SimCLRAugment.View(28, 1, SimCLRAugment.Cifar10Mean, SimCLRAugment.Cifar10Std));
    }

    [Fact]
    public void Repeated_view_generation_keeps_native_memory_flat()
    {
        var gen = SimCLRAugment.Create(16, 3, SimCLRAugment.Cifar10Mean, SimCLRAugment.Cifar10Std);
        using var images = TestImages.Bytes(16, 3, 16, 16);
        var g = TestImages.Gen(0);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++)
        {
            using var scope = torch.NewDisposeScope();
            using var batch = gen.CreateViews(images, null, g);
        }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
