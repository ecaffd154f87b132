using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Training;
using SslSharp.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Correlation;

/// <summary>Tiny backbones, synthetic views and a hook-calling training loop for the VICReg, Barlow Twins and SwAV tests.</summary>
internal static class CorrSwavTestData
{
    /// <summary>A 3-block ConvNet on 1-channel images (features [N, 32]).</summary>
    public static ConvNet Backbone(long seed = 0) => new(1, new[] { 8, 16, 32 }, seed: seed);

    /// <summary>Two noisy 16x16 global views of <paramref name="images"/> plus <paramref name="locals"/> 8x8 local views.</summary>
    public static ViewBatch Views(Tensor images, Generator g, int locals = 0, double noise = 0.5)
    {
        var views = new List<Tensor>
        {
            images + noise * torch.randn(images.shape, generator: g),
            images + noise * torch.randn(images.shape, generator: g),
        };
        for (int i = 0; i < locals; i++)
            views.Add(nn.functional.avg_pool2d(images + noise * torch.randn(images.shape, generator: g), 2));
        return new ViewBatch(views, globalCount: 2);
    }

    /// <summary>Random views of <paramref name="n"/> images (for forward-only tests).</summary>
    public static ViewBatch RandomViews(long n, long seed, int locals = 0)
    {
        var g = new Generator((ulong)seed);
        return Views(torch.randn(new long[] { n, 1, 16, 16 }, generator: g), g, locals, noise: 0.1);
    }

    /// <summary>
    /// Trains <paramref name="method"/> on 64 random images (batches of <paramref name="batch"/>), with SGD over
    /// its own parameter groups and every hook the trainer calls; returns the losses.
    /// </summary>
    public static List<float> Train(SslMethod method, int steps, double lr, int locals = 0, int batch = 32, long seed = 11,
        long stepsPerEpoch = 2, Action<int>? afterStep = null)
    {
        method.train();
        var g = new Generator((ulong)seed);
        using var images = torch.randn(new long[] { 64, 1, 16, 16 }, generator: g);
        var groups = method.ParameterGroups();
        using var sgd = new Sgd(groups, lr, momentum: 0.9, weightDecay: 1e-5);
        var losses = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            var progress = new TrainingProgress(step, steps, (int)(step / stepsPerEpoch), stepsPerEpoch);
            for (int i = 0; i < groups.Count; i++) sgd.SetLearningRate(i, lr * groups[i].LrScale);
            var idx = torch.randperm(64, generator: g).narrow(0, 0, batch);
            using var views = Views(images.index_select(0, idx), g, locals);
            method.OnStepStart(progress);
            var output = method.call(views);
            float loss = output.Loss.item<float>();
            Assert.True(float.IsFinite(loss), $"step {step}: loss {loss}");
            Assert.True(output.Features.isfinite().all().item<bool>(), $"step {step}: non-finite features");
            sgd.ZeroGrad();
            output.Loss.backward();
            method.OnAfterBackward(progress);
            sgd.Step();
            method.OnAfterOptimizerStep(progress);
            losses.Add(loss);
            afterStep?.Invoke(step);
        }
        foreach (var (name, p) in method.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"{name} became non-finite");
        return losses;
    }

    /// <summary>Asserts that the mean of the last 5 losses is below the mean of the first 5 by at least <paramref name="fraction"/> of it.</summary>
    public static void AssertFalls(IReadOnlyList<float> losses, double fraction)
    {
        double first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(last < first * (1 - fraction),
            $"loss did not fall by {fraction:P0}: first 5 mean {first}, last 5 mean {last}; all: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
    }

    /// <summary>Writes <paramref name="method"/>'s weights to a checkpoint and loads them into <paramref name="target"/>.</summary>
    public static void RoundTrip(SslMethod method, SslMethod target)
    {
        var path = Path.Combine(Path.GetTempPath(), "sslsharp-corrswav-" + Guid.NewGuid().ToString("N") + ".ckpt");
        try
        {
            Checkpoint.Save(path, method, null, new CheckpointInfo(method.GetName(), 0, 0, 1, null, "{}", null, DateTime.UtcNow));
            Checkpoint.LoadWeights(path, target);
        }
        finally
        {
            File.Delete(path);
        }
        var expected = method.state_dict();
        foreach (var (key, t) in target.state_dict())
            Assert.True(t.allclose(expected[key], 0, 0), $"{key} differs after the round trip");
    }

    /// <summary>Asserts that every parameter of <paramref name="method"/> received a finite, non-zero gradient.</summary>
    public static void AssertEveryParameterHasGradient(SslMethod method)
    {
        foreach (var (name, p) in method.named_parameters())
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(p.grad.abs().sum().item<float>() > 0, $"{name} has a zero gradient");
        }
    }
}
