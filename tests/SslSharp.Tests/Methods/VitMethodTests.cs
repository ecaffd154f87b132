using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Methods;
using SslSharp.Methods.SelfDistillation;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods;

/// <summary>Existing methods train on a Vision Transformer unchanged, and its features feed the kNN.</summary>
public class VitMethodTests
{
    private static VisionTransformer TinyVit(long seed = 0) => new(new VisionTransformerOptions
    {
        ImageSize = 12, PatchSize = 4, InChannels = 1, Dim = 16, Depth = 2, Heads = 2, MlpRatio = 2, DropPathRate = 0.2,
    }, seed);

    private static ViewBatch Pair(Tensor x, Generator g) =>
        new(new[] { x + 0.3 * torch.randn(x.shape, generator: g), x + 0.3 * torch.randn(x.shape, generator: g) });

    /// <summary>Two global 12 px views and two 8 px local crops (a 2x2 patch grid: the positions are resized).</summary>
    private static ViewBatch MultiCrop(Tensor x, Generator g)
    {
        var views = new List<Tensor> { x + 0.3 * torch.randn(x.shape, generator: g), x + 0.3 * torch.randn(x.shape, generator: g) };
        for (int i = 0; i < 2; i++) views.Add(x.narrow(2, 4 * i, 8).narrow(3, 4 * i, 8) + 0.3 * torch.randn(new long[] { x.shape[0], 1, 8, 8 }, generator: g));
        return new ViewBatch(views, globalCount: 2);
    }

    [Fact]
    public void SimCLR_trains_a_few_steps_on_a_ViT_and_its_features_feed_the_knn()
    {
        using var method = new SimCLR(TinyVit(), new SimCLROptions { Seed = 0 });
        var losses = MethodTrainingLoop.Run(method, 3, ps => torch.optim.SGD(ps, 0.05, momentum: 0.9), Pair, imageSize: 12, batch: 16, stepsPerEpoch: 3, seed: 1);
        Assert.Equal(3, losses.Count);

        using var scope = torch.NewDisposeScope();
        var g = new Generator(5);
        var images = torch.rand(new long[] { 40, 1, 12, 12 }, generator: g);
        var labels = torch.arange(40) % 4;
        var features = FeatureExtractor.Extract(method.Encoder, images, batchSize: 16);
        Assert.Equal(new long[] { 40, 16 }, features.shape);
        Assert.True(features.isfinite().all().ToBoolean());
        var knn = Knn.Evaluate(features.narrow(0, 0, 30), labels.narrow(0, 0, 30), features.narrow(0, 30, 10), labels.narrow(0, 30, 10),
            new KnnOptions { Ks = new[] { 5 } });
        Assert.InRange(knn[5].Top1, 0.0, 1.0);
    }

    [Fact]
    public void DINO_with_local_crops_trains_a_few_steps_on_a_ViT_student_and_teacher()
    {
        using var method = new DINO(TinyVit(), new DINOOptions { OutDim = 64, HiddenDim = 32, BottleneckDim = 16, Seed = 0 });
        var losses = MethodTrainingLoop.Run(method, 3, ps => torch.optim.AdamW(ps, 1e-3), MultiCrop, imageSize: 12, batch: 16, stepsPerEpoch: 3, seed: 2);
        Assert.Equal(3, losses.Count);
        Assert.IsType<VisionTransformer>(method.Encoder);
    }

    [Fact]
    public void The_drop_path_draws_repeat_after_a_reseed_inside_a_method()
    {
        using var method = new SimCLR(TinyVit(), new SimCLROptions { Seed = 0 });
        method.train();
        var seeded = method.named_modules().Select(m => m.module).OfType<IStepSeeded>().ToList();
        Assert.Single(seeded);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var views = Pair(torch.rand(new long[] { 8, 1, 12, 12 }, generator: new Generator(3)), new Generator(4));
        seeded[0].Reseed(7);
        var a = method.call(views).Loss.ToDouble();
        seeded[0].Reseed(7);
        Assert.Equal(a, method.call(views).Loss.ToDouble());
    }
}
