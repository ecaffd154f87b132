using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Tests.Training;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

/// <summary>Tiny backbones, synthetic views, a smoke-training loop and a checkpoint round trip shared by the method tests.</summary>
internal static class MethodTestKit
{
    /// <summary>A 3-block ConvNet on 1-channel images with FeatureDim 32.</summary>
    public static ConvNet TinyBackbone(long seed = 0) => new(1, new[] { 8, 16, 32 }, seed: seed);

    /// <summary><paramref name="count"/> noisy views <c>[n, 1, size, size]</c> of the same random images.</summary>
    public static ViewBatch Views(long n, long seed = 0, int count = 2, int size = 16, double noise = 0.1)
    {
        var g = new Generator((ulong)seed);
        var x = torch.randn(new long[] { n, 1, size, size }, generator: g);
        return new ViewBatch(Enumerable.Range(0, count).Select(_ => x + noise * torch.randn(x.shape, generator: g)).ToArray());
    }

    /// <summary>The same batch with the first two views swapped.</summary>
    public static ViewBatch Swapped(ViewBatch v) =>
        new(new[] { v.Views[1], v.Views[0] }.Concat(v.Views.Skip(2)).ToArray(), v.GlobalCount);

    /// <summary>
    /// Trains <paramref name="method"/> with SGD (momentum 0.9) for <paramref name="steps"/> steps on 64 random
    /// 1x16x16 images, each step two (or <paramref name="viewCount"/>) noisy views of <paramref name="batch"/> of them;
    /// asserts every loss, feature and parameter stays finite and returns the losses.
    /// </summary>
    public static List<float> SmokeTrain(SslMethod method, int steps = 30, int batch = 32, double lr = 0.05, int viewCount = 2, long seed = 11)
    {
        method.train();
        var g = new Generator((ulong)seed);
        using var images = torch.randn(new long[] { 64, 1, 16, 16 }, generator: g);
        using var sgd = torch.optim.SGD(method.parameters(), lr, momentum: 0.9);
        var losses = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            var x = images.index_select(0, torch.randperm(64, generator: g).narrow(0, 0, batch));
            using var views = new ViewBatch(Enumerable.Range(0, viewCount).Select(_ => x + 0.5 * torch.randn(x.shape, generator: g)).ToArray());
            sgd.zero_grad();
            var output = method.call(views);
            output.Loss.backward();
            sgd.step();
            float loss = output.Loss.item<float>();
            Assert.True(float.IsFinite(loss), $"step {step}: loss {loss}");
            Assert.True(output.Features.isfinite().all().item<bool>(), $"step {step}: non-finite features");
            losses.Add(loss);
        }
        foreach (var (name, p) in method.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"{name} became non-finite");
        return losses;
    }

    /// <summary>Asserts the mean of the last 5 losses is below the mean of the first 5 by <paramref name="margin"/>.</summary>
    public static void AssertFalls(IReadOnlyList<float> losses, double margin)
    {
        float first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(last < first - margin,
            $"loss did not fall by {margin}: first 5 mean {first}, last 5 mean {last}; all: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
    }

    /// <summary>Every parameter gets a finite, non-zero gradient from one step on <paramref name="views"/>.</summary>
    public static void AssertGradientReachesEveryParameter(SslMethod method, ViewBatch views)
    {
        using var scope = torch.NewDisposeScope();
        method.zero_grad();
        method.call(views).Loss.backward();
        foreach (var (name, p) in method.named_parameters())
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(p.grad.abs().sum().item<float>() > 0, $"{name} has a zero gradient");
        }
    }

    /// <summary>
    /// Trains a method a few steps, saves it, loads the checkpoint into a differently seeded twin and checks every
    /// state-dict tensor and the encoder's output on fresh images are identical.
    /// </summary>
    public static void AssertCheckpointRoundTrip(Func<long, SslMethod> make, int batch = 8)
    {
        using var dir = new TempDir();
        using var a = make(1);
        using var b = make(2);
        SmokeTrain(a, steps: 2, batch: batch);
        var info = new CheckpointInfo(a.GetName(), 2, 0, 2, null, Checkpoint.OptionsToJson(new TrainerOptions()), null, DateTime.UtcNow);
        Checkpoint.Save(dir.File("m.ckpt"), a, null, info);
        Assert.Equal(a.GetName(), Checkpoint.LoadWeights(dir.File("m.ckpt"), b).MethodName);
        var sa = a.state_dict();
        foreach (var (k, t) in b.state_dict())
            Assert.True(t.allclose(sa[k], 0, 0), $"{k} differs after loading");
        a.eval();
        b.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.randn(new long[] { 4, 1, 16, 16 }, generator: new Generator(5));
        Assert.True(a.Encoder.call(x).allclose(b.Encoder.call(x), 0, 0));
    }
}
