using System.Diagnostics;
using System.Globalization;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>
/// Vision Transformer throughput: (1) SimCLR training steps (two views, forward, backward, SGD) at batch 128 on
/// 1x28x28 images for the ConvNet (width 0.5) and candidate ViT shapes, which sized <c>vit-cpu</c>; (2) the encoder on
/// all 49 patch tokens of a 28 px image against the encoder on the 25% a mask ratio of 0.75 keeps (MAE's saving; the
/// issue expects at least 2.5x).
/// </summary>
public static class VitBenchmark
{
    /// <summary>Runs both parts and prints images/s and ratios.</summary>
    public static void Run(TextWriter output, int batchSize = 128, int steps = 6)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"load average before: {LoadAverage()}; torch threads {torch.get_num_threads()}");
        output.WriteLine($"-- SimCLR train step, batch {batchSize}, 1x28x28, {steps} timed steps after 2 warm-up");
        var candidates = new (string Name, Func<Backbone> Make)[]
        {
            ("convnet w0.5", () => new ConvNet(1, widthMultiplier: 0.5, seed: 0)),
            ("vit-cpu", () => BackboneFactory.Create(new BackboneOptions { Name = "vit-cpu" }, 1, 0, 28)),
            ("vit p4 d64 L4 h2 mlp2", () => Vit(4, 64, 4, 2, 2)),
            ("vit p4 d128 L6 h4 mlp2", () => Vit(4, 128, 6, 4, 2)),
            ("vit p7 d128 L6 h4 mlp2", () => Vit(7, 128, 6, 4, 2)),
        };
        double? baseline = null;
        foreach (var (name, make) in candidates)
        {
            double ips = TrainStep(make, batchSize, steps);
            baseline ??= ips;
            output.WriteLine(string.Create(c, $"  {name,-32} {ips,8:F0} images/s  ({ips / baseline.Value:F2}x the ConvNet)"));
        }

        output.WriteLine($"-- encoder forward (no grad, batch 64, {steps} timed passes), all tokens vs 25% kept (mask ratio 0.75)");
        foreach (var (name, make) in new (string, Func<VisionTransformer>)[]
                 {
                     ("vit-cpu 28 px", () => (VisionTransformer)BackboneFactory.Create(new BackboneOptions { Name = "vit-cpu" }, 1, 0, 28)),
                     ("vit-tiny 32 px p4", () => Vit(4, 192, 12, 3, 4, image: 32, channels: 3)),
                     ("vit-small 32 px p4", () => Vit(4, 384, 12, 6, 4, image: 32, channels: 3)),
                 })
        {
            using var vit = make();
            vit.eval();
            double full = Encode(vit, 64, steps, keepFraction: 1.0);
            double masked = Encode(vit, 64, steps, keepFraction: 0.25);
            output.WriteLine(string.Create(c, $"  {name,-20} all {vit.NumPatches} tokens {full,8:F0} images/s; {vit.NumPatches / 4} tokens {masked,8:F0} images/s; ratio {masked / full:F2}x"));
        }
        output.WriteLine($"load average after: {LoadAverage()}");
    }

    private static VisionTransformer Vit(int patch, int dim, int depth, int heads, double mlp, int image = 28, int channels = 1) =>
        new(new VisionTransformerOptions { ImageSize = image, PatchSize = patch, InChannels = channels, Dim = dim, Depth = depth, Heads = heads, MlpRatio = mlp });

    private static double TrainStep(Func<Backbone> make, int batchSize, int steps)
    {
        using var method = new SimCLR(make(), new SimCLROptions { Seed = 0 });
        using var optimizer = torch.optim.SGD(method.parameters(), 0.1, momentum: 0.9);
        using var g = new Generator(1);
        using var a = torch.rand(new long[] { batchSize, 1, 28, 28 }, generator: g);
        using var b = torch.rand(new long[] { batchSize, 1, 28, 28 }, generator: g);
        method.train();
        var watch = new Stopwatch();
        for (int i = 0; i < steps + 2; i++)
        {
            if (i == 2) watch.Start();
            using var scope = torch.NewDisposeScope();
            var views = new ViewBatch(new[] { a, b });
            var loss = method.call(views).Loss;
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            _ = loss.ToSingle();
        }
        return batchSize * steps / watch.Elapsed.TotalSeconds;
    }

    private static double Encode(VisionTransformer vit, int batchSize, int steps, double keepFraction)
    {
        using var g = new Generator(2);
        using var x = torch.rand(new long[] { batchSize, vit.InputChannels, vit.Options.ImageSize, vit.Options.ImageSize }, generator: g);
        int keep = (int)(vit.NumPatches * keepFraction);
        using var noGrad = torch.no_grad();
        var watch = new Stopwatch();
        for (int i = 0; i < steps + 2; i++)
        {
            if (i == 2) watch.Start();
            using var scope = torch.NewDisposeScope();
            var ids = keepFraction >= 1 ? null : torch.rand(new long[] { batchSize, vit.NumPatches }, generator: g).argsort(1).narrow(1, 0, keep);
            _ = vit.EncodeTokens(x, ids).sum().ToSingle();
        }
        return batchSize * steps / watch.Elapsed.TotalSeconds;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
