using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Correlation;
using TorchSharp;
using static SslSharp.Tests.Methods.Correlation.CorrSwavTestData;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Correlation;

public class VICRegTests
{
    private static VICReg Tiny(long seed = 0) => new(Backbone(seed), hiddenDim: 32, outputDim: 32, seed: seed);

    [Fact]
    public void Defaults_follow_the_paper_and_the_registry_builds_it()
    {
        Assert.Equal(8192, VICReg.DefaultExpanderDim);
        using var m = Tiny();
        Assert.Equal((25.0, 25.0, 1.0), (m.SimCoeff, m.StdCoeff, m.CovCoeff));
        var keys = m.Projector.state_dict().Keys.ToHashSet();
        // [Linear(bias) - BN - ReLU] x 2 + Linear(no bias)
        Assert.Contains("layers.0.bias", keys);
        Assert.Contains("layers.1.running_mean", keys);
        Assert.Contains("layers.3.bias", keys);
        Assert.Contains("layers.6.weight", keys);
        Assert.DoesNotContain("layers.6.bias", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("layers.7", StringComparison.Ordinal));
        Assert.Equal(new[] { 32, 32 }, m.Projector.HiddenDims);

        var settings = new MethodSettings(new Dictionary<string, string> { ["hidden_dim"] = "16", ["output_dim"] = "8", ["std_coeff"] = "10", ["seed"] = "3" });
        using var built = Assert.IsType<VICReg>(MethodRegistry.Create("vicreg", Backbone(), settings));
        Assert.Equal(8, built.Projector.OutputDim);
        Assert.Equal(10, built.StdCoeff);
        Assert.Equal("correlation", MethodRegistry.Describe("vicreg").Family);
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("vicreg", Backbone(),
            new MethodSettings(new Dictionary<string, string> { ["lambda"] = "1" })));
        Assert.Contains("lambda", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VICReg(Backbone(), 8, 8, covCoeff: -1));
    }

    [Fact]
    public void Forward_is_the_vicreg_loss_of_the_separately_encoded_views()
    {
        using var m = Tiny(seed: 1);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(6, seed: 2);
        var output = m.call(views);
        Assert.True(output.Loss.requires_grad);
        Assert.False(output.Features.requires_grad);
        Assert.Equal(new long[] { 6, 32 }, output.Features.shape);
        Assert.Equal(new long[] { 6, 32 }, output.Embeddings!.shape);
        using var noGrad = torch.no_grad();
        var z1 = m.Projector.call(m.Encoder.call(views.Views[0]));
        var z2 = m.Projector.call(m.Encoder.call(views.Views[1]));
        Assert.Equal(VICRegLoss.Compute(z1, z2).item<float>(), output.Loss.item<float>(), 4);
        Assert.True(output.Embeddings.allclose(z1, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Swapping_the_views_gives_the_same_loss_in_training_mode()
    {
        using var m = Tiny(seed: 3);
        m.train();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(8, seed: 4);
        using var swapped = new ViewBatch(new[] { views.Views[1], views.Views[0] });
        float a = m.call(views).Loss.item<float>();
        float b = m.call(swapped).Loss.item<float>();
        Assert.Equal(a, b, 4);
    }

    [Fact]
    public void Gradient_reaches_every_parameter()
    {
        using var m = Tiny(seed: 5);
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(8, seed: 6);
        m.call(views).Loss.backward();
        AssertEveryParameterHasGradient(m);
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Tiny(seed: 7);
        var losses = Train(m, steps: 30, lr: 0.05);
        AssertFalls(losses, 0.2);
    }

    [Fact]
    public void Checkpoint_round_trip_restores_the_weights()
    {
        using var a = Tiny(seed: 8);
        Train(a, steps: 2, lr: 0.05);
        using var b = Tiny(seed: 9);
        RoundTrip(a, b);
        a.eval();
        b.eval();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(4, seed: 1);
        Assert.Equal(a.call(views).Loss.item<float>(), b.call(views).Loss.item<float>(), 5);
    }

    [Fact]
    public void Batch_of_one_and_a_single_global_view_fail_clearly()
    {
        using var m = Tiny();
        using var scope = torch.NewDisposeScope();
        using var one = RandomViews(1, seed: 0);
        var ex = Assert.Throws<ArgumentException>(() => m.call(one));
        Assert.Contains("at least 2", ex.Message);
        using var single = new ViewBatch(new[] { torch.randn(4, 1, 16, 16), torch.randn(4, 1, 8, 8) }, globalCount: 1);
        ex = Assert.Throws<ArgumentException>(() => m.call(single));
        Assert.Contains("global", ex.Message);
    }
}
