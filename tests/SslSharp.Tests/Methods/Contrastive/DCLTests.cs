using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Contrastive;
using TorchSharp;
using static SslSharp.Tests.Methods.Contrastive.MethodTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

public class DCLTests
{
    private static DCL Tiny(bool weighted = false, long seed = 0) => new(TinyBackbone(seed),
        weighted ? new DCLWOptions { HiddenDim = 32, OutputDim = 16, Seed = seed } : new DCLOptions { HiddenDim = 32, OutputDim = 16, Seed = seed });

    [Fact]
    public void Defaults_follow_the_paper_and_the_registry_builds_both_variants()
    {
        using var m = Assert.IsType<DCL>(MethodRegistry.Create("dcl", TinyBackbone()));
        Assert.Equal(0.1, m.Temperature);
        Assert.False(m.Weighted);
        Assert.Equal("DCL", m.GetName());
        Assert.Equal(new[] { 32 }, m.Projector.HiddenDims);
        Assert.Equal(128, m.Projector.OutputDim);
        using var w = Assert.IsType<DCL>(MethodRegistry.Create("DCLW", TinyBackbone(), new MethodSettings(new Dictionary<string, string>
        {
            ["sigma"] = "0.25", ["temperature"] = "0.2", ["output_dim"] = "8",
        })));
        Assert.True(w.Weighted);
        Assert.Equal(0.25, w.Sigma);
        Assert.Equal(0.2, w.Temperature);
        Assert.Equal(8, w.Projector.OutputDim);
        // sigma is a DCLW setting only.
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("dcl", TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["sigma"] = "0.5" })));
        Assert.Contains("sigma", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DCL(TinyBackbone(), new DCLOptions { Temperature = 0 }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_is_the_loss_of_the_projected_views_symmetric_with_detached_outputs(bool weighted)
    {
        using var m = Tiny(weighted, seed: 1);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = Views(6, seed: 2);
        var output = m.call(views);
        Assert.True(output.Loss.requires_grad);
        Assert.False(output.Features.requires_grad);
        Assert.False(output.Embeddings!.requires_grad);
        Assert.Equal(new long[] { 6, 32 }, output.Features.shape);
        Assert.Equal(new long[] { 6, 16 }, output.Embeddings.shape);
        using var noGrad = torch.no_grad();
        var z1 = m.Projector.call(m.Encoder.call(views.Views[0]));
        var z2 = m.Projector.call(m.Encoder.call(views.Views[1]));
        var expected = weighted ? DCLLoss.ComputeWeighted(z1, z2, 0.1) : DCLLoss.Compute(z1, z2, 0.1);
        Assert.Equal(expected.item<float>(), output.Loss.item<float>(), 4);
        Assert.Equal(output.Loss.item<float>(), m.call(Swapped(views)).Loss.item<float>(), 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gradient_reaches_every_parameter(bool weighted)
    {
        using var m = Tiny(weighted, seed: 3);
        using var views = Views(8, seed: 4);
        AssertGradientReachesEveryParameter(m, views);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite(bool weighted)
    {
        using var m = Tiny(weighted, seed: 7);
        var losses = SmokeTrain(m, steps: 30);
        // Random start: about -s_p/T + log(2N - 2) with s_p ~ 1 for near-identical views; a fall of 0.5 is clear learning.
        AssertFalls(losses, 0.5);
    }

    [Fact]
    public void Checkpoint_round_trip()
    {
        AssertCheckpointRoundTrip(seed => Tiny(weighted: true, seed: seed));
    }

    [Fact]
    public void Too_small_batches_and_too_few_views_fail_clearly()
    {
        using var m = Tiny();
        using var scope = torch.NewDisposeScope();
        using var one = Views(1);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => m.call(one)).Message);
        Assert.Throws<ArgumentException>(() => m.call(new ViewBatch(new[] { torch.randn(4, 1, 16, 16) })));
        var oneGlobal = new ViewBatch(new[] { torch.randn(4, 1, 16, 16), torch.randn(4, 1, 8, 8) }, globalCount: 1);
        Assert.Contains("global", Assert.Throws<ArgumentException>(() => m.call(oneGlobal)).Message);
    }
}
