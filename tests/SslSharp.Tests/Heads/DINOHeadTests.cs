using SslSharp.Heads;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;

namespace SslSharp.Tests.Heads;

public class DINOHeadTests
{
    public static IEnumerable<object[]> Cases() => F.Names("dino_head");

    [Theory]
    [MemberData(nameof(Cases))]
    public void With_the_reference_weights_gives_the_reference_output(string name)
    {
        // The fixture holds a PyTorch DINOHead's state dict (torch.nn.utils.weight_norm last layer): the keys
        // and shapes must be the same here, and loading them must give the same logits.
        var c = F.Case("dino_head", name);
        using var head = new DINOHead(c.GetProperty("in_dim").GetInt32(), c.GetProperty("out_dim").GetInt32(),
            c.GetProperty("hidden_dim").GetInt32(), c.GetProperty("bottleneck_dim").GetInt32());
        head.to(ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        var ours = head.state_dict();
        var theirs = c.GetProperty("state").EnumerateObject().ToList();
        Assert.Equal(theirs.Select(p => p.Name).OrderBy(x => x, StringComparer.Ordinal), ours.Keys.OrderBy(x => x, StringComparer.Ordinal));
        using (torch.no_grad())
            foreach (var p in theirs)
            {
                var shape = p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                Assert.Equal(shape, ours[p.Name].shape);
                ours[p.Name].copy_(F.Tensor(p.Value.GetProperty("values"), shape));
            }
        long n = c.GetProperty("n").GetInt64();
        var x = F.Tensor(c.GetProperty("x"), n, c.GetProperty("in_dim").GetInt64());
        F.AssertAllClose(F.Doubles(c.GetProperty("y")), head.call(x), 1e-5, name);
    }

    [Fact]
    public void Defaults_and_layout_follow_the_paper()
    {
        using var head = new DINOHead(32, outputDim: 100);
        Assert.Equal(2048, head.HiddenDim);
        Assert.Equal(256, head.BottleneckDim);
        Assert.Equal(3, head.Layers);
        Assert.True(head.NormLastLayer);
        var s = head.state_dict();
        Assert.Equal(new long[] { 2048, 32 }, s["mlp.0.weight"].shape);
        Assert.Equal(new long[] { 2048, 2048 }, s["mlp.2.weight"].shape);
        Assert.Equal(new long[] { 256, 2048 }, s["mlp.4.weight"].shape);
        Assert.Equal(new long[] { 100, 1 }, s["last_layer.weight_g"].shape);
        Assert.Equal(new long[] { 100, 256 }, s["last_layer.weight_v"].shape);
        Assert.False(s.ContainsKey("last_layer.bias"));
        Assert.False(head.LastLayer.Scale.requires_grad);
        Assert.True(head.LastLayer.Direction.requires_grad);
        Assert.True(s["last_layer.weight_g"].eq(1).all().item<bool>());
        Assert.True(s["mlp.0.bias"].eq(0).all().item<bool>());
        double std = s["mlp.2.weight"].std().item<float>();
        Assert.InRange(std, 0.019, 0.021);   // trunc_normal_(std=0.02)
        using var free = new DINOHead(8, 10, 16, 4, normLastLayer: false);
        Assert.True(free.LastLayer.Scale.requires_grad);
    }

    [Fact]
    public void Weight_norm_rows_have_norm_g_and_outputs_are_bounded_by_g()
    {
        using var head = new DINOHead(6, 9, 16, 5, seed: 2);
        using var scope = torch.NewDisposeScope();
        using (torch.no_grad()) head.LastLayer.Direction.mul_(torch.arange(1, 10, dtype: ScalarType.Float32).unsqueeze(1));
        var w = head.LastLayer.Weight();
        Assert.True(w.norm(1, p: 2).allclose(torch.ones(9), rtol: 1e-5, atol: 1e-6));
        var y = head.call(torch.randn(7, 6) * 100);
        Assert.Equal(new long[] { 7, 9 }, y.shape);
        Assert.True(y.abs().max().item<float>() <= 1 + 1e-5);   // unit bottleneck . unit rows
    }

    [Fact]
    public void Same_seed_same_head_twin_has_the_same_layout_and_bad_input_fails()
    {
        using var a = new DINOHead(6, 9, 16, 5, seed: 3);
        using var b = new DINOHead(6, 9, 16, 5, seed: 3);
        foreach (var ((n, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(p.allclose(q, 0, 0), n);
        using var twin = a.CreateTwin();
        Assert.Equal(a.state_dict().Keys, twin.state_dict().Keys);
        using var scope = torch.NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => a.call(torch.randn(2, 7)));
        Assert.Contains("[N, 6]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DINOHead(6, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DINOHead(6, 9, layers: 0));
    }
}
