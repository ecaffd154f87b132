using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Contrastive;
using TorchSharp;
using static SslSharp.Tests.Methods.Contrastive.MethodTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

public class DirectCLRTests
{
    [Fact]
    public void Defaults_follow_the_official_code_and_d0_must_fit_the_backbone()
    {
        using var wide = new SslSharp.Backbones.ConvNet(1, new[] { 8, 400 });
        using var m = Assert.IsType<DirectCLR>(MethodRegistry.Create("directclr", wide));
        Assert.Equal(360, m.SubvectorDim);
        Assert.Equal(0.1, m.Temperature);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => MethodRegistry.Create("directclr", TinyBackbone()));
        Assert.Contains("FeatureDim (32)", ex.Message);
        Assert.Contains("subvector_dim", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DirectCLR(TinyBackbone(), new DirectCLROptions { SubvectorDim = 0 }));
        using var s = Assert.IsType<DirectCLR>(MethodRegistry.Create("directclr", TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["subvector_dim"] = "32", ["temperature"] = "0.2" })));
        Assert.Equal(32, s.SubvectorDim);
    }

    [Fact]
    public void Has_no_projector_and_applies_infonce_to_the_leading_features()
    {
        using var m = new DirectCLR(TinyBackbone(1), new DirectCLROptions { SubvectorDim = 12 });
        Assert.All(m.named_parameters(), p => Assert.StartsWith("backbone.", p.name, StringComparison.Ordinal));
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = Views(6, seed: 2);
        var output = m.call(views);
        Assert.Equal(new long[] { 6, 12 }, output.Embeddings!.shape);
        Assert.False(output.Embeddings.requires_grad);
        Assert.True(output.Embeddings.allclose(output.Features.narrow(1, 0, 12), 0, 0));
        using var noGrad = torch.no_grad();
        var r1 = m.Encoder.call(views.Views[0]);
        var r2 = m.Encoder.call(views.Views[1]);
        Assert.Equal(CrossViewInfoNCELoss.Compute(r1.narrow(1, 0, 12), r2.narrow(1, 0, 12), 0.1).item<float>(), output.Loss.item<float>(), 4);
        Assert.Equal(output.Loss.item<float>(), m.call(Swapped(views)).Loss.item<float>(), 5);
    }

    [Fact]
    public void Gradient_reaches_every_backbone_parameter()
    {
        using var m = new DirectCLR(TinyBackbone(3), new DirectCLROptions { SubvectorDim = 16 });
        using var views = Views(8, seed: 4);
        AssertGradientReachesEveryParameter(m, views);
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = new DirectCLR(TinyBackbone(7), new DirectCLROptions { SubvectorDim = 16 });
        AssertFalls(SmokeTrain(m, steps: 30), 0.8);   // measured: 3.12 -> 1.65
    }

    [Fact]
    public void Checkpoint_round_trip()
    {
        AssertCheckpointRoundTrip(seed => new DirectCLR(TinyBackbone(seed), new DirectCLROptions { SubvectorDim = 16 }));
    }

    [Fact]
    public void Too_small_batches_and_too_few_views_fail_clearly()
    {
        using var m = new DirectCLR(TinyBackbone(), new DirectCLROptions { SubvectorDim = 16 });
        using var scope = torch.NewDisposeScope();
        using var one = Views(1);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => m.call(one)).Message);
        Assert.Throws<ArgumentException>(() => m.call(new ViewBatch(new[] { torch.randn(4, 1, 16, 16) })));
    }
}
