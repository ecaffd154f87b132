using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Correlation;
using static SslSharp.Tests.Methods.Correlation.CorrSwavTestData;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Correlation;

public class VICRegTests : PairedCorrelationMethodTests
{
    private static VICReg Tiny(long seed = 0) => new(Backbone(seed), new VICRegOptions { HiddenDim = 32, OutputDim = 32, Seed = seed });

    protected override SslMethod Create(long seed) => Tiny(seed);

    protected override nn.Module<Tensor, Tensor> Projector(SslMethod method) => ((VICReg)method).Projector;

    protected override Tensor Loss(SslMethod method, Tensor z1, Tensor z2) => VICRegLoss.Compute(z1, z2);

    protected override double SmokeLr => 0.05;

    [Fact]
    public void Defaults_follow_the_paper_and_the_registry_builds_it()
    {
        Assert.Equal(8192, new VICRegOptions().HiddenDim);
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
        Assert.Throws<ArgumentOutOfRangeException>(() => new VICReg(Backbone(), new VICRegOptions { HiddenDim = 8, OutputDim = 8, CovCoeff = -1 }));
    }
}
