using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.SelfDistillation;

/// <summary>Tiny backbones, synthetic views and a hand-written training loop with the trainer's hook order.</summary>
internal static class SelfDistillTestData
{
    public static ConvNet TinyBackbone(long seed = 0) => new(1, new[] { 8, 16 }, seed: seed);

    /// <summary>Two noisy views <c>[N, 1, size, size]</c> of random images.</summary>
    public static ViewBatch TwoViews(long n, int size = 12, long seed = 0)
    {
        var g = new Generator((ulong)seed);
        var x = torch.randn(new long[] { n, 1, size, size }, generator: g);
        return new ViewBatch(new[] { x + 0.1 * torch.randn(x.shape, generator: g), x + 0.1 * torch.randn(x.shape, generator: g) });
    }

    /// <summary>Two global crops of <paramref name="globalSize"/> and <paramref name="locals"/> local crops of <paramref name="localSize"/>.</summary>
    public static ViewBatch MultiCrop(long n, int locals, int globalSize = 12, int localSize = 6, long seed = 0)
    {
        var g = new Generator((ulong)seed);
        var x = torch.randn(new long[] { n, 1, globalSize, globalSize }, generator: g);
        var views = new List<Tensor> { x + 0.1 * torch.randn(x.shape, generator: g), x + 0.1 * torch.randn(x.shape, generator: g) };
        for (int i = 0; i < locals; i++)
        {
            int off = i % (globalSize - localSize + 1);
            var crop = x.narrow(2, off, localSize).narrow(3, off, localSize);
            views.Add(crop + 0.1 * torch.randn(crop.shape, generator: g));
        }
        return new ViewBatch(views, globalCount: 2);
    }

    /// <summary>
    /// Trains <paramref name="method"/> for <paramref name="steps"/> steps on 64 random images, calling the hooks in
    /// the trainer's order (OnStepStart, forward, backward, OnAfterBackward, optimizer step, OnAfterOptimizerStep).
    /// Returns the losses.
    /// </summary>
    public static List<float> Train(SslMethod method, int steps, Func<IEnumerable<Parameter>, torch.optim.Optimizer> optimizer,
        Func<Tensor, Generator, ViewBatch> makeViews, long stepsPerEpoch = 10, long seed = 11) =>
        MethodTrainingLoop.Run(method, steps, optimizer, makeViews, imageSize: 12, batch: 32, stepsPerEpoch, seed);

    /// <summary>Two noisy views of each image.</summary>
    public static ViewBatch NoisyPair(Tensor x, Generator g) =>
        new(new[] { x + 0.5 * torch.randn(x.shape, generator: g), x + 0.5 * torch.randn(x.shape, generator: g) });

    public static string Describe(IEnumerable<float> losses) => MethodTrainingLoop.Describe(losses);

    /// <summary>Saves <paramref name="a"/> to a checkpoint, loads it into <paramref name="b"/>, and checks every state-dict tensor.</summary>
    public static void AssertCheckpointRoundTrip(SslMethod a, SslMethod b, params string[] mustContain)
    {
        using var dir = new Training.TempDir();
        var info = new CheckpointInfo(a.GetName(), 3, 0, 3, "sgd", Checkpoint.OptionsToJson(new TrainerOptions()), null, DateTime.UtcNow);
        Checkpoint.Save(dir.File("m.ckpt"), a, null, info);
        var sa = a.state_dict();
        foreach (var prefix in mustContain)
            Assert.Contains(sa.Keys, k => k.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Contains(sa, kv => !kv.Value.allclose(b.state_dict()[kv.Key], 0, 0));   // b really differs before loading
        Checkpoint.LoadWeights(dir.File("m.ckpt"), b);
        var sb = b.state_dict();
        foreach (var (key, t) in sa)
            Assert.True(t.allclose(sb[key], 0, 0), $"{key} differs after the round trip");
    }
}
