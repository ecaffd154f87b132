using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.SelfDistillation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using D = SslSharp.Tests.Methods.SelfDistillation.SelfDistillTestData;

namespace SslSharp.Tests.Methods.SelfDistillation;

public class SimSiamTests
{
    private static SimSiam Tiny(long seed = 0, bool stopGradient = true) =>
        new(D.TinyBackbone(seed), new SimSiamOptions { ProjectorHiddenDim = 32, OutputDim = 32, PredictorHiddenDim = 8, StopGradient = stopGradient, Seed = seed });

    [Fact]
    public void Defaults_follow_the_paper()
    {
        using var m = new SimSiam(D.TinyBackbone(), new SimSiamOptions());
        Assert.Equal(new[] { 2048, 2048 }, m.Projector.HiddenDims);
        Assert.Equal(2048, m.Projector.OutputDim);
        Assert.Equal(new[] { 512 }, m.Predictor.HiddenDims);
        Assert.Equal(2048, m.Predictor.OutputDim);
        Assert.True(m.StopGradient);
        var children = m.Projector.named_children().Single().module.named_children().Select(c => c.module).ToList();
        Assert.Equal(3, children.OfType<Linear>().Count());
        Assert.Equal(3, children.OfType<BatchNorm1d>().Count());
        var keys = m.state_dict().Keys.ToHashSet();
        Assert.Contains("projector.layers.7.running_mean", keys);     // last BN ...
        Assert.DoesNotContain("projector.layers.7.weight", keys);     // ... without affine parameters
        Assert.DoesNotContain("projector.layers.0.bias", keys);
        Assert.Contains("predictor.layers.3.bias", keys);             // predictor output layer has a bias
        Assert.DoesNotContain("predictor.layers.0.bias", keys);
    }

    [Fact]
    public void Forward_is_the_simsiam_loss_and_swapping_views_changes_nothing()
    {
        using var m = Tiny(seed: 1);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = D.TwoViews(6, seed: 2);
        var output = m.call(views);
        using (torch.no_grad())
        {
            var z = m.Projector.call(m.Encoder.call(torch.cat(new[] { views.Views[0], views.Views[1] }, 0)));
            var p = m.Predictor.call(z);
            var expected = SimSiamLoss.Compute(p.narrow(0, 0, 6), p.narrow(0, 6, 6), z.narrow(0, 0, 6), z.narrow(0, 6, 6));
            Assert.Equal(expected.item<float>(), output.Loss.item<float>(), 5);
            Assert.True(output.Embeddings!.allclose(z.narrow(0, 0, 6), rtol: 1e-5, atol: 1e-6));
        }
        var swapped = new ViewBatch(new[] { views.Views[1], views.Views[0] });
        Assert.Equal(output.Loss.item<float>(), m.call(swapped).Loss.item<float>(), 5);
        Assert.InRange(output.Loss.item<float>(), -1f, 1f);
    }

    [Fact]
    public void Stop_gradient_blocks_the_target_branch_and_the_setting_turns_it_off()
    {
        // Same weights and input; with the stop-gradient the backbone gradient equals the gradient of a
        // hand-written loss that detaches z; without it, it differs (the target branch contributes).
        using var sg = Tiny(seed: 3);
        using var free = Tiny(seed: 3, stopGradient: false);
        using var hand = Tiny(seed: 3);
        sg.eval(); free.eval(); hand.eval();
        using var scope = torch.NewDisposeScope();
        using var views = D.TwoViews(6, seed: 4);
        sg.call(views).Loss.backward();
        free.call(views).Loss.backward();
        var z = hand.Projector.call(hand.Encoder.call(torch.cat(new[] { views.Views[0], views.Views[1] }, 0)));
        var p = hand.Predictor.call(z);
        var zd = z.detach();
        var manual = -0.5 * (torch.nn.functional.cosine_similarity(p.narrow(0, 0, 6), zd.narrow(0, 6, 6)).mean()
                           + torch.nn.functional.cosine_similarity(p.narrow(0, 6, 6), zd.narrow(0, 0, 6)).mean());
        manual.backward();
        var gSg = sg.Encoder.parameters().First().grad!;
        var gFree = free.Encoder.parameters().First().grad!;
        var gHand = hand.Encoder.parameters().First().grad!;
        Assert.True(gSg.allclose(gHand, rtol: 1e-4, atol: 1e-7), "stop-gradient SimSiam must equal the detached hand-written loss");
        Assert.False(gFree.allclose(gHand, rtol: 1e-3, atol: 1e-6), "without stop-gradient the gradient must differ");
        using var viaRegistry = Assert.IsType<SimSiam>(MethodRegistry.Create("simsiam", D.TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["stop_gradient"] = "false", ["output_dim"] = "16", ["projector_hidden_dim"] = "16" })));
        Assert.False(viaRegistry.StopGradient);
    }

    [Fact]
    public void The_predictor_keeps_a_fixed_learning_rate()
    {
        using var m = Tiny();
        var groups = m.ParameterGroups();
        var predictor = m.Predictor.parameters().Select(p => p.Handle).ToHashSet();
        var all = groups.SelectMany(g => g.Parameters).Select(p => p.Handle).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(m.parameters().Count(p => p.requires_grad), all.Count);
        foreach (var g in groups)
        {
            bool isPredictor = g.Parameters.All(p => predictor.Contains(p.Handle));
            Assert.True(isPredictor || g.Parameters.All(p => !predictor.Contains(p.Handle)), $"group {g.Name} mixes predictor and encoder");
            Assert.Equal(isPredictor, g.FixedLr);
        }
        Assert.Contains(groups, g => g.FixedLr && g.WeightDecay);
        Assert.Contains(groups, g => g.FixedLr && !g.WeightDecay);
        Assert.Contains(groups, g => !g.FixedLr && g.WeightDecay);
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Tiny(seed: 5);
        var losses = D.Train(m, 30, ps => torch.optim.SGD(ps, 0.05, momentum: 0.9), D.NoisyPair);
        float first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(last < first - 0.05, $"loss did not fall: {D.Describe(losses)}");
    }

    [Fact]
    public void Checkpoint_round_trip_and_clear_errors()
    {
        using var a = Tiny(seed: 6);
        D.Train(a, 2, ps => torch.optim.SGD(ps, 0.05, momentum: 0.9), D.NoisyPair);
        using var b = Tiny(seed: 7);
        D.AssertCheckpointRoundTrip(a, b, "projector.layers.7.running_mean", "predictor.");

        using var scope = torch.NewDisposeScope();
        using var one = D.TwoViews(1);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => a.call(one)).Message);
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("simsiam", D.TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["stop_gradient"] = "maybe" })));
        Assert.Contains("true or false", ex.Message);
    }
}
