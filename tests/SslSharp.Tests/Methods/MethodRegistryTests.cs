using SslSharp.Backbones;
using SslSharp.Methods;

namespace SslSharp.Tests.Methods;

public class MethodRegistryTests
{
    [Fact]
    public void Creates_simclr_with_defaults_and_overrides()
    {
        using var a = Assert.IsType<SimCLR>(MethodRegistry.Create("SimCLR", new ConvNet(1, new[] { 8 })));
        Assert.Equal(0.5, a.Temperature);
        Assert.Equal(128, a.OutputDim);
        var settings = new MethodSettings(new Dictionary<string, string>
        {
            ["temperature"] = "0.2", ["output-dim"] = "32", ["hidden_dim"] = "16", ["projector_layers"] = "3",
        });
        using var b = Assert.IsType<SimCLR>(MethodRegistry.Create("simclr", new ConvNet(1, new[] { 8 }), settings));
        Assert.Equal(0.2, b.Temperature);
        Assert.Equal(32, b.OutputDim);
        Assert.Contains("simclr", MethodRegistry.Names);
    }

    [Fact]
    public void Unknown_method_lists_the_known_ones()
    {
        using var backbone = new ConvNet(1, new[] { 8 });
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("simclrr", backbone));
        Assert.Contains("simclrr", ex.Message);
        Assert.Contains("Known methods: " + string.Join(", ", MethodRegistry.Names), ex.Message);
        Assert.Contains("simclr", MethodRegistry.Names);
    }

    [Fact]
    public void Unknown_or_malformed_settings_fail()
    {
        using var backbone = new ConvNet(1, new[] { 8 });
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("simclr", backbone,
            new MethodSettings(new Dictionary<string, string> { ["temprature"] = "0.1" })));
        Assert.Contains("temprature", ex.Message);
        Assert.Contains("temperature", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("simclr", backbone,
            new MethodSettings(new Dictionary<string, string> { ["temperature"] = "warm" })));
        Assert.Contains("number", ex.Message);
    }
}
