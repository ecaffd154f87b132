using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Correlation;
using TorchSharp;
using static SslSharp.Tests.Methods.Correlation.CorrSwavTestData;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Correlation;

public class BarlowTwinsTests
{
    private static BarlowTwins Tiny(long seed = 0, double scaleLoss = 1.0) =>
        new(Backbone(seed), hiddenDim: 32, outputDim: 32, scaleLoss: scaleLoss, seed: seed);

    [Fact]
    public void Defaults_follow_the_reference_and_the_registry_builds_it()
    {
        Assert.Equal(8192, BarlowTwins.DefaultProjectorDim);
        using var m = Tiny();
        Assert.Equal(0.0051, m.Lambda);
        Assert.Equal(1.0, m.ScaleLoss);
        Assert.Equal((0.2, 0.0048), (m.LrWeights, m.LrBiases));
        // [Linear(no bias) - BN - ReLU] x 2 + Linear(no bias): no bias anywhere in the projector's linear layers.
        var keys = m.Projector.state_dict().Keys.ToHashSet();
        Assert.DoesNotContain("layers.0.bias", keys);
        Assert.DoesNotContain("layers.3.bias", keys);
        Assert.DoesNotContain("layers.6.bias", keys);
        Assert.Contains("layers.6.weight", keys);
        Assert.Contains("layers.4.running_var", keys);

        var settings = new MethodSettings(new Dictionary<string, string>
        {
            ["hidden_dim"] = "16", ["output_dim"] = "8", ["lambda"] = "0.01", ["scale_loss"] = "0.024", ["lr_biases"] = "0.01",
        });
        using var built = Assert.IsType<BarlowTwins>(MethodRegistry.Create("barlowtwins", Backbone(), settings));
        Assert.Equal((0.01, 0.024, 0.01), (built.Lambda, built.ScaleLoss, built.LrBiases));
        Assert.Equal("correlation", MethodRegistry.Describe("barlowtwins").Family);
        Assert.Throws<ArgumentException>(() => MethodRegistry.Create("barlowtwins", Backbone(),
            new MethodSettings(new Dictionary<string, string> { ["temperature"] = "0.1" })));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarlowTwins(Backbone(), 8, 8, lambda: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarlowTwins(Backbone(), 8, 8, scaleLoss: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarlowTwins(Backbone(), 8, 8, lrBiases: 0));
    }

    [Fact]
    public void Two_lars_groups_weights_at_0_2_and_biases_bn_at_0_0048()
    {
        using var m = Tiny();
        var groups = m.ParameterGroups();
        var byHandle = m.named_parameters().ToDictionary(np => np.parameter.Handle, np => np.name);
        Assert.Equal(2, groups.Count);
        var weights = groups.Single(g => g.WeightDecay);
        var biases = groups.Single(g => !g.WeightDecay);
        Assert.Equal(0.2, weights.LrScale);
        Assert.True(weights.LarsAdaptation);
        Assert.Equal(0.0048, biases.LrScale);
        Assert.False(biases.LarsAdaptation);
        Assert.All(weights.Parameters, p => Assert.True(p.dim() > 1, byHandle[p.Handle]));
        Assert.All(biases.Parameters, p => Assert.True(p.dim() <= 1, byHandle[p.Handle]));
        Assert.Equal(byHandle.Count, weights.Parameters.Count + biases.Parameters.Count);
        Assert.Contains(biases.Parameters, p => byHandle[p.Handle] == "projector.layers.1.weight");
    }

    [Fact]
    public void Forward_is_the_barlow_twins_loss_of_the_separately_encoded_views()
    {
        using var m = Tiny(seed: 1, scaleLoss: 0.1);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(6, seed: 2);
        var output = m.call(views);
        Assert.True(output.Loss.requires_grad);
        Assert.False(output.Embeddings!.requires_grad);
        using var noGrad = torch.no_grad();
        var z1 = m.Projector.call(m.Encoder.call(views.Views[0]));
        var z2 = m.Projector.call(m.Encoder.call(views.Views[1]));
        Assert.Equal(BarlowTwinsLoss.Compute(z1, z2, 0.0051, 0.1).item<float>(), output.Loss.item<float>(), 4);
    }

    [Fact]
    public void Swapping_the_views_gives_the_same_loss_in_training_mode()
    {
        using var m = Tiny(seed: 3);
        m.train();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(8, seed: 4);
        using var swapped = new ViewBatch(new[] { views.Views[1], views.Views[0] });
        Assert.Equal(m.call(views).Loss.item<float>(), m.call(swapped).Loss.item<float>(), 3);
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
        // The weight group's lr is 0.2 x this, the bias group's 0.0048 x, as the reference.
        var losses = Train(m, steps: 30, lr: 0.5);
        AssertFalls(losses, 0.2);
    }

    [Fact]
    public void Checkpoint_round_trip_restores_the_weights()
    {
        using var a = Tiny(seed: 8);
        Train(a, steps: 2, lr: 0.5);
        using var b = Tiny(seed: 9);
        RoundTrip(a, b);
    }

    [Fact]
    public void Batch_of_one_fails_clearly()
    {
        using var m = Tiny();
        using var scope = torch.NewDisposeScope();
        using var one = RandomViews(1, seed: 0);
        var ex = Assert.Throws<ArgumentException>(() => m.call(one));
        Assert.Contains("at least 2", ex.Message);
        Assert.Contains("batch", ex.Message);
    }
}
