using SslSharp.Heads;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Heads;

public class ProjectionHeadTests
{
    private static Dictionary<string, long[]> Shapes(nn.Module m) =>
        m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    [Fact]
    public void SimCLRv1_is_linear_bn_relu_linear_with_biases()
    {
        using var head = ProjectionHead.SimCLRv1(16, 32, 8);
        var s = Shapes(head);
        Assert.Equal(new long[] { 32, 16 }, s["layers.0.weight"]);
        Assert.Equal(new long[] { 32 }, s["layers.0.bias"]);
        Assert.Equal(new long[] { 32 }, s["layers.1.weight"]);       // BN scale
        Assert.Equal(new long[] { 32 }, s["layers.1.running_mean"]);
        Assert.Equal(new long[] { 8, 32 }, s["layers.3.weight"]);     // layers.2 is the ReLU
        Assert.Equal(new long[] { 8 }, s["layers.3.bias"]);
        Assert.Equal(4, head.named_children().Single().module.named_children().Count());
        Assert.DoesNotContain(s.Keys, k => k.StartsWith("layers.4", StringComparison.Ordinal));
    }

    [Fact]
    public void SimCLRv2_has_three_linear_layers_and_no_bias_on_the_last()
    {
        using var head = ProjectionHead.SimCLRv2(16, 32, 8);
        var s = Shapes(head);
        var children = head.named_children().Single().module.named_children().Select(c => c.module).ToList();
        Assert.Equal(3, children.OfType<Linear>().Count());
        Assert.Equal(3, children.OfType<BatchNorm1d>().Count());
        Assert.Equal(2, children.OfType<ReLU>().Count());
        Assert.Equal(new long[] { 8, 32 }, s["layers.6.weight"]);
        Assert.False(s.ContainsKey("layers.6.bias"));
        // The last BN is non-affine: running statistics but no scale/shift.
        Assert.True(s.ContainsKey("layers.7.running_mean"));
        Assert.False(s.ContainsKey("layers.7.weight"));
        Assert.IsType<BatchNorm1d>(children[^1]);
    }

    [Fact]
    public void Generic_head_honours_depth_widths_bn_and_bias_options()
    {
        using var head = new ProjectionHead(10, new[] { 20, 30 }, 5, batchNorm: false, hiddenBias: false, lastBias: true,
            lastBatchNorm: true, lastBatchNormAffine: true);
        var s = Shapes(head);
        // Linear(10,20) ReLU Linear(20,30) ReLU Linear(30,5) BN(5)
        Assert.Equal(new long[] { 20, 10 }, s["layers.0.weight"]);
        Assert.False(s.ContainsKey("layers.0.bias"));
        Assert.Equal(new long[] { 30, 20 }, s["layers.2.weight"]);
        Assert.Equal(new long[] { 5, 30 }, s["layers.4.weight"]);
        Assert.Equal(new long[] { 5 }, s["layers.4.bias"]);
        Assert.Equal(new long[] { 5 }, s["layers.5.weight"]);
        Assert.Equal(new long[] { 5 }, s["layers.5.bias"]);
        Assert.Equal(new[] { 20, 30 }, head.HiddenDims);
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new long[] { 4, 5 }, head.call(torch.randn(4, 10)).shape);
    }

    [Fact]
    public void No_hidden_layers_is_a_single_linear_map()
    {
        using var head = new ProjectionHead(6, Array.Empty<int>(), 3);
        Assert.Equal(new[] { "layers.0.bias", "layers.0.weight" }, head.state_dict().Keys.Order().ToArray());
    }

    [Fact]
    public void Forward_computes_linear_bn_relu_linear()
    {
        using var head = ProjectionHead.SimCLRv1(4, 6, 3, seed: 2);
        head.train();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 5, 4 }, generator: new Generator(1));
        var p = head.named_parameters().ToDictionary(np => np.name, np => np.parameter);
        var h = nn.functional.linear(x, p["layers.0.weight"], p["layers.0.bias"]);
        var mean = h.mean(new long[] { 0 }, keepdim: true);
        var varb = h.var(0, unbiased: false, keepdim: true);
        h = (h - mean) / torch.sqrt(varb + 1e-5) * p["layers.1.weight"] + p["layers.1.bias"];
        var expected = nn.functional.linear(h.relu(), p["layers.3.weight"], p["layers.3.bias"]);
        var actual = head.call(x);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Seeded_init_is_deterministic_and_follows_pytorchs_linear_bound()
    {
        using var a = ProjectionHead.SimCLRv1(64, 128, 16, seed: 1);
        using var b = ProjectionHead.SimCLRv1(64, 128, 16, seed: 1);
        var wa = a.state_dict()["layers.0.weight"];
        Assert.True(wa.equal(b.state_dict()["layers.0.weight"]).all().item<bool>());
        Assert.True(wa.abs().max().item<float>() <= 1 / Math.Sqrt(64) + 1e-6);
        Assert.True(wa.abs().max().item<float>() > 0.9 / Math.Sqrt(64));
    }

    [Fact]
    public void Bad_arguments_and_inputs_fail_clearly()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProjectionHead(0, new[] { 4 }, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProjectionHead(4, new[] { 4 }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProjectionHead(4, new[] { 4, -1 }, 2));
        using var head = ProjectionHead.SimCLRv1(8, 8, 4);
        using var scope = torch.NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => head.call(torch.randn(3, 7)));
        Assert.Contains("[N, 8]", ex.Message);
    }
}
