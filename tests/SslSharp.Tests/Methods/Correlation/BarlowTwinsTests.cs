using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Correlation;
using static SslSharp.Tests.Methods.Correlation.CorrSwavTestData;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Correlation;

public class BarlowTwinsTests : PairedCorrelationMethodTests
{
    private static BarlowTwins Tiny(long seed = 0, double scaleLoss = 0.1) =>
        new(Backbone(seed), new BarlowTwinsOptions { HiddenDim = 32, OutputDim = 32, ScaleLoss = scaleLoss, Seed = seed });

    protected override SslMethod Create(long seed) => Tiny(seed);

    protected override nn.Module<Tensor, Tensor> Projector(SslMethod method) => ((BarlowTwins)method).Projector;

    protected override Tensor Loss(SslMethod method, Tensor z1, Tensor z2) => BarlowTwinsLoss.Compute(z1, z2, 0.0051, 0.1);

    // The weight group's lr is 0.2 x this, the bias group's 0.0048 x, as the reference.
    protected override double SmokeLr => 5.0;

    [Fact]
    public void Defaults_follow_the_reference_and_the_registry_builds_it()
    {
        Assert.Equal(8192, new BarlowTwinsOptions().HiddenDim);
        using var m = new BarlowTwins(Backbone(), new BarlowTwinsOptions { HiddenDim = 32, OutputDim = 32 });
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
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarlowTwins(Backbone(), new BarlowTwinsOptions { HiddenDim = 8, OutputDim = 8, Lambda = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarlowTwins(Backbone(), new BarlowTwinsOptions { HiddenDim = 8, OutputDim = 8, ScaleLoss = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarlowTwins(Backbone(), new BarlowTwinsOptions { HiddenDim = 8, OutputDim = 8, LrBiases = 0 }));
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
}
