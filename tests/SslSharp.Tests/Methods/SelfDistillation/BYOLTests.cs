using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.SelfDistillation;
using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using D = SslSharp.Tests.Methods.SelfDistillation.SelfDistillTestData;

namespace SslSharp.Tests.Methods.SelfDistillation;

public class BYOLTests
{
    private static BYOL Tiny(long seed = 0, double momentum = 0.99) =>
        new(D.TinyBackbone(seed), new BYOLOptions { ProjectorHiddenDim = 32, OutputDim = 16, PredictorHiddenDim = 32, BaseMomentum = momentum, Seed = seed });

    [Fact]
    public void Defaults_follow_the_paper_and_deepmind_mlp()
    {
        using var m = new BYOL(D.TinyBackbone(), new BYOLOptions());
        Assert.Equal(new[] { 4096 }, m.Projector.HiddenDims);
        Assert.Equal(256, m.Projector.OutputDim);
        Assert.Equal(new[] { 4096 }, m.Predictor.HiddenDims);
        Assert.Equal(256, m.Predictor.OutputDim);
        Assert.Equal(0.99, m.BaseMomentum);
        var keys = m.state_dict().Keys.ToHashSet();
        Assert.Contains("projector.layers.0.bias", keys);         // Linear(bias) - BN - ReLU - Linear(no bias)
        Assert.Contains("projector.layers.1.running_mean", keys);
        Assert.Contains("projector.layers.3.weight", keys);
        Assert.DoesNotContain("projector.layers.3.bias", keys);
        Assert.DoesNotContain("predictor.layers.3.bias", keys);
        Assert.Contains("momentum_backbone.module.blocks.0.conv.weight", keys);
        Assert.Contains("momentum_projector.module.layers.0.weight", keys);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BYOL(D.TinyBackbone(), new BYOLOptions { BaseMomentum = 1.5 }));
    }

    [Fact]
    public void Forward_is_the_byol_loss_of_online_predictions_against_target_projections()
    {
        using var m = Tiny(seed: 1);
        using (torch.no_grad())   // make the target differ from the online network
            foreach (var w in m.Projector.parameters()) w.add_(0.05);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = D.TwoViews(6, seed: 2);
        var output = m.call(views);
        Assert.True(output.Loss.requires_grad);
        Assert.Equal(new long[] { 6, 16 }, output.Features.shape);
        Assert.Equal(new long[] { 6, 16 }, output.Embeddings!.shape);
        Assert.False(output.Features.requires_grad || output.Embeddings.requires_grad);

        using var noGrad = torch.no_grad();
        var x = torch.cat(new[] { views.Views[0], views.Views[1] }, 0);
        var h = m.Encoder.call(x);
        var p = m.Predictor.call(m.Projector.call(h));
        var t = m.TargetProjector.Module.call(m.TargetBackbone.Module.call(x));
        var expected = BYOLLoss.Compute(p.narrow(0, 0, 6), p.narrow(0, 6, 6), t.narrow(0, 0, 6), t.narrow(0, 6, 6));
        Assert.Equal(expected.item<float>(), output.Loss.item<float>(), 5);
        Assert.True(output.Features.allclose(h.narrow(0, 0, 6), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Swapping_the_two_views_gives_the_same_loss()
    {
        using var m = Tiny(seed: 3);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = D.TwoViews(5, seed: 4);
        var swapped = new ViewBatch(new[] { views.Views[1], views.Views[0] });
        Assert.Equal(m.call(views).Loss.item<float>(), m.call(swapped).Loss.item<float>(), 5);
    }

    [Fact]
    public void Gradient_reaches_the_online_network_and_never_the_target()
    {
        using var m = Tiny(seed: 5);
        using var scope = torch.NewDisposeScope();
        using var views = D.TwoViews(8, seed: 6);
        m.call(views).Loss.backward();
        foreach (var (name, p) in m.named_parameters())
        {
            if (name.StartsWith("momentum_", StringComparison.Ordinal))
            {
                Assert.False(p.requires_grad, name);
                Assert.True(p.grad is null, $"{name} (target) got a gradient");
            }
            else
            {
                Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"{name} (online) has no gradient");
            }
        }
        // Frozen target parameters are not handed to the optimizer.
        var trained = m.ParameterGroups().SelectMany(g => g.Parameters).Select(p => p.Handle).ToHashSet();
        Assert.DoesNotContain(m.TargetBackbone.Module.parameters(), p => trained.Contains(p.Handle));
        Assert.Equal(m.parameters().Count(p => p.requires_grad), trained.Count);
    }

    [Fact]
    public void After_the_optimizer_step_the_target_moves_with_the_cosine_momentum()
    {
        using var m = Tiny(seed: 7, momentum: 0.9);
        var online = m.Encoder.parameters().First();
        var target = m.TargetBackbone.Module.parameters().First();
        using (torch.no_grad()) online.add_(1.0);
        var before = target.clone();
        m.OnAfterOptimizerStep(new TrainingProgress(0, 10, 0, 10));
        Assert.Equal(0.9, m.TargetBackbone.LastMomentum, 12);              // step 0: tau0
        Assert.True(target.allclose(before * 0.9 + online * 0.1, rtol: 1e-5, atol: 1e-6));
        m.OnAfterOptimizerStep(new TrainingProgress(5, 10, 0, 10));
        Assert.Equal(EmaMomentum.Cosine(5, 10, 0.9), m.TargetProjector.LastMomentum, 12);
        Assert.Equal(0.95, m.TargetProjector.LastMomentum, 12);             // half way: (0.9 + 1) / 2
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Tiny(seed: 8);
        var losses = D.Train(m, 30, ps => torch.optim.SGD(ps, 0.05, momentum: 0.9), D.NoisyPair);
        float first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(last < first - 0.2, $"loss did not fall: {D.Describe(losses)}");
    }

    [Fact]
    public void Checkpoint_round_trip_restores_online_and_target_networks()
    {
        using var a = Tiny(seed: 9);
        D.Train(a, 3, ps => torch.optim.SGD(ps, 0.05, momentum: 0.9), D.NoisyPair);
        using var b = Tiny(seed: 10);
        D.AssertCheckpointRoundTrip(a, b, "momentum_backbone.module.", "momentum_projector.module.", "predictor.");
    }

    [Fact]
    public void Registry_creates_byol_and_bad_input_fails_clearly()
    {
        var settings = new MethodSettings(new Dictionary<string, string>
        {
            ["projector_hidden_dim"] = "32", ["output_dim"] = "8", ["predictor_hidden_dim"] = "16", ["base_momentum"] = "0.996",
        });
        using var m = Assert.IsType<BYOL>(MethodRegistry.Create("byol", D.TinyBackbone(), settings));
        Assert.Equal(8, m.Projector.OutputDim);
        Assert.Equal(0.996, m.BaseMomentum);
        Assert.Equal("self-distillation", MethodRegistry.Describe("BYOL").Family);
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("byol", D.TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["momentum"] = "0.9" })));
        Assert.Contains("base_momentum", ex.Message);

        using var scope = torch.NewDisposeScope();
        using var one = D.TwoViews(1);
        ex = Assert.Throws<ArgumentException>(() => m.call(one));
        Assert.Contains("at least 2", ex.Message);
        var oneGlobal = new ViewBatch(new[] { torch.randn(4, 1, 12, 12), torch.randn(4, 1, 6, 6) }, globalCount: 1);
        ex = Assert.Throws<ArgumentException>(() => m.call(oneGlobal));
        Assert.Contains("2 global views", ex.Message);
    }
}
