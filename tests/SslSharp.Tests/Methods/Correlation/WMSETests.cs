using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Correlation;
using TorchSharp;
using static SslSharp.Tests.Methods.Contrastive.MethodTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Correlation;

public class WMSETests
{
    private static WMSE Tiny(long seed = 0, int w = 16) => new(TinyBackbone(seed), new WMSEOptions { HiddenDim = 32, OutputDim = 8, WhiteningSize = w, Seed = seed });

    [Fact]
    public void Defaults_follow_the_official_cifar_settings()
    {
        using var m = Assert.IsType<WMSE>(MethodRegistry.Create("wmse", TinyBackbone()));
        Assert.Equal(new[] { 1024 }, m.Projector.HiddenDims);
        Assert.Equal(64, m.Projector.OutputDim);
        Assert.Equal(128, m.WhiteningSize);
        Assert.Equal(128, m.MinimumBatchSize);
        Assert.Equal(1, m.Iterations);
        Assert.Equal(0, m.Eps);
        using var s = Assert.IsType<WMSE>(MethodRegistry.Create("wmse", TinyBackbone(), new MethodSettings(new Dictionary<string, string>
        {
            ["output_dim"] = "16", ["whitening_size"] = "32", ["iterations"] = "2", ["whitening_eps"] = "0.01", ["hidden_dim"] = "64",
        })));
        Assert.Equal(32, s.WhiteningSize);
        Assert.Equal(2, s.Iterations);
        Assert.Equal(0.01, s.Eps);
    }

    [Fact]
    public void A_sub_batch_too_small_for_the_dimension_fails_with_the_fix()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new WMSE(TinyBackbone(), new WMSEOptions { OutputDim = 64, WhiteningSize = 64 }));
        Assert.Contains("larger than the embedding dimension (64)", ex.Message);
        Assert.Contains("whitening_size", ex.Message);
        using var m = Tiny(w: 16);
        using var scope = torch.NewDisposeScope();
        using var small = Views(8);
        var e = Assert.Throws<ArgumentException>(() => m.call(small));
        Assert.Contains("multiple of 16", e.Message);
        Assert.Contains("--batch-size", e.Message);
        using var uneven = Views(24);
        Assert.Contains("multiple of 16", Assert.Throws<ArgumentException>(() => m.call(uneven)).Message);
        Assert.Throws<ArgumentException>(() => m.call(new ViewBatch(new[] { torch.randn(16, 1, 16, 16) })));
    }

    [Fact]
    public void Forward_whitens_all_global_views_and_is_symmetric()
    {
        using var m = Tiny(seed: 1);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = Views(32, seed: 2, count: 4);
        // Same seed, same permutation: a twin with the same weights gives the same loss, and swapping views does too.
        using var twin = Tiny(seed: 1);
        twin.eval();
        var output = m.call(views);
        Assert.Equal(new long[] { 32, 8 }, output.Embeddings!.shape);
        Assert.False(output.Embeddings.requires_grad);
        using var noGrad = torch.no_grad();
        Assert.Equal(output.Loss.item<float>(), twin.call(Swapped(views)).Loss.item<float>(), 4);
        // Four views: the mean over the 6 view pairs, each whitened with the permutation the method drew.
        var z = views.Views.Select(v => m.Projector.call(m.Encoder.call(v))).ToArray();
        using var g = new Generator(1);
        var perm = torch.randperm(32, generator: g);
        Assert.Equal(WMSELoss.Compute(z, 16, perm).item<float>(), output.Loss.item<float>(), 4);
    }

    [Fact]
    public void Gradient_reaches_every_parameter()
    {
        using var m = Tiny(seed: 3);
        using var views = Views(32, seed: 4);
        AssertGradientReachesEveryParameter(m, views);
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Tiny(seed: 7);
        AssertFalls(SmokeTrain(m, steps: 30, batch: 32), 0.2);
    }

    [Fact]
    public void Checkpoint_round_trip()
    {
        AssertCheckpointRoundTrip(seed => Tiny(seed, w: 16), batch: 16);
    }
}
