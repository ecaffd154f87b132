using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Tests.Training;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

/// <summary>Tiny backbones, synthetic views, a hook-calling training loop and a checkpoint round trip
/// shared by the MoCo v2 / MoCo v3 / NNCLR tests.</summary>
internal static class ContrastiveTestKit
{
    /// <summary>A 3-stage ConvNet on 1-channel images, 32 features.</summary>
    public static ConvNet TinyBackbone(long seed = 0) => new(1, new[] { 8, 16, 32 }, seed: seed);

    /// <summary>Two noisy views <c>[n, 1, size, size]</c> of the same random images.</summary>
    public static ViewBatch TwoViews(long n, int size = 16, long seed = 0)
    {
        var g = new Generator((ulong)seed);
        var x = torch.randn(new long[] { n, 1, size, size }, generator: g);
        return new ViewBatch(new[] { x + 0.1 * torch.randn(x.shape, generator: g), x + 0.1 * torch.randn(x.shape, generator: g) });
    }

    /// <summary>
    /// Trains <paramref name="method"/> for <paramref name="steps"/> SGD steps on 64 random images (two noisy
    /// views per step), calling the hooks in the trainer's order; returns the losses.
    /// </summary>
    public static List<float> Train(SslMethod method, int steps, int batch = 16, double lr = 0.05, long seed = 11, double noise = 0.5) =>
        MethodTrainingLoop.Run(method, steps, ps => torch.optim.SGD(ps, lr, momentum: 0.9),
            (x, g) => new ViewBatch(new[] { x + noise * torch.randn(x.shape, generator: g), x + noise * torch.randn(x.shape, generator: g) }),
            imageSize: 16, batch, stepsPerEpoch: steps, seed);

    public static string Describe(IEnumerable<float> losses) => MethodTrainingLoop.Describe(losses);

    /// <summary>
    /// Trains a method a few steps, saves it with <see cref="Checkpoint"/>, loads it into a differently
    /// seeded twin and checks every state entry (teacher, queue, pointer) and the loss match; returns
    /// the state keys for further checks.
    /// </summary>
    public static IReadOnlyCollection<string> CheckpointRoundTrip(Func<long, SslMethod> make, int steps = 4, int batch = 8)
    {
        using var dir = new TempDir();
        using var a = make(1);
        Train(a, steps, batch);
        string path = dir.File("m.ckpt");
        Checkpoint.Save(path, a, null, new CheckpointInfo(a.GetName(), steps, 0, steps, null, "{}", null, DateTime.UtcNow));
        using var b = make(2);
        var sa = a.state_dict();
        Assert.Contains(b.state_dict(), kv => !kv.Value.allclose(sa[kv.Key], 0, 0));
        Checkpoint.LoadWeights(path, b);
        foreach (var (key, t) in b.state_dict())
            Assert.True(t.eq(sa[key]).all().item<bool>(), $"{key} differs after the round trip");
        a.eval();
        b.eval();
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(batch, seed: 99);
        Assert.Equal(a.call(views).Loss.item<float>(), b.call(views).Loss.item<float>());
        return sa.Keys;
    }

    /// <summary>A batch of 1, a single view and a single global view are refused with clear messages.</summary>
    public static void AssertRejectsBadViews(SslMethod method)
    {
        using var scope = torch.NewDisposeScope();
        using var one = TwoViews(1);
        var ex = Assert.Throws<ArgumentException>(() => method.call(one));
        Assert.Contains("at least 2", ex.Message);
        var single = new ViewBatch(new[] { torch.randn(4, 1, 16, 16) });
        ex = Assert.Throws<ArgumentException>(() => method.call(single));
        Assert.Contains("views", ex.Message);
        var oneGlobal = new ViewBatch(new[] { torch.randn(4, 1, 16, 16), torch.randn(4, 1, 8, 8) }, globalCount: 1);
        ex = Assert.Throws<ArgumentException>(() => method.call(oneGlobal));
        Assert.Contains("global", ex.Message);
    }

    /// <summary>Asserts every parameter of <paramref name="module"/> is frozen and got no gradient.</summary>
    public static void AssertNoGradient(nn.Module module, string what)
    {
        foreach (var (name, p) in module.named_parameters())
        {
            Assert.False(p.requires_grad, $"{what}.{name} requires grad");
            Assert.True(p.grad is null, $"{what}.{name} has a gradient");
        }
        foreach (var (name, b) in module.named_buffers())
            Assert.False(b.requires_grad, $"{what} buffer {name} requires grad");
    }

    /// <summary>Asserts every parameter of <paramref name="module"/> got a finite, non-zero gradient.</summary>
    public static void AssertGradient(nn.Module module, string what)
    {
        foreach (var (name, p) in module.named_parameters())
        {
            Assert.True(p.grad is not null, $"{what}.{name} has no gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{what}.{name} has a non-finite gradient");
            Assert.True(p.grad.abs().sum().item<float>() > 0, $"{what}.{name} has a zero gradient");
        }
    }

    /// <summary>
    /// The momentum encoder's own (teacher) modules. Not <c>MomentumEncoder.parameters()</c>: TorchSharp's
    /// <c>RegisterComponents</c> also registers <c>EmaTeacher</c>'s private <c>student</c> field, so that
    /// enumeration reaches the student's parameters too.
    /// </summary>
    public static nn.Module[] TeacherModules(SslSharp.Methods.Contrastive.MomentumEncoder encoder) =>
        new nn.Module[] { encoder.Backbone.Module, encoder.Projector.Module };

    /// <summary>The teacher parameters of <paramref name="encoder"/>, backbone then projector.</summary>
    public static List<Tensor> TeacherParameters(SslSharp.Methods.Contrastive.MomentumEncoder encoder) =>
        TeacherModules(encoder).SelectMany(m => m.parameters()).Select(p => (Tensor)p).ToList();

    /// <summary>Adds 0.5 to every parameter of <paramref name="module"/>.</summary>
    public static void Perturb(nn.Module module)
    {
        using var _ = torch.no_grad();
        foreach (var p in module.parameters()) p.add_(0.5);
    }
}
