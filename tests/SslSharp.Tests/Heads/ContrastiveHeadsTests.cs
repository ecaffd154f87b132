using SslSharp.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Heads;

public class ContrastiveHeadsTests
{
    private static HashSet<string> Keys(nn.Module m) => m.state_dict().Keys.ToHashSet();

    private static Dictionary<string, long[]> Shapes(nn.Module m) =>
        m.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);

    [Fact]
    public void MoCo_v2_projector_is_linear_relu_linear_with_biases_and_no_bn()
    {
        using var h = ContrastiveHeads.MoCoV2Projector(32, 24, 16);
        var shapes = Shapes(h);
        Assert.Equal(new[] { "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias" }.ToHashSet(), shapes.Keys.ToHashSet());
        Assert.Equal(new long[] { 24, 32 }, shapes["layers.0.weight"]);
        Assert.Equal(new long[] { 16, 24 }, shapes["layers.2.weight"]);
        Assert.DoesNotContain(Keys(h), k => k.Contains("running_mean", StringComparison.Ordinal));
        using var d = ContrastiveHeads.MoCoV2Projector(2048);
        Assert.Equal(new[] { 2048 }, d.HiddenDims);
        Assert.Equal(128, d.OutputDim);
    }

    [Fact]
    public void MoCo_v3_heads_have_no_biases_bn_relu_hidden_layers_and_a_non_affine_last_bn()
    {
        using var p = ContrastiveHeads.MoCoV3Projector(32, 48, 16);
        var keys = Keys(p);
        Assert.DoesNotContain(keys, k => k.StartsWith("layers.0.bias", StringComparison.Ordinal) || k.StartsWith("layers.3.bias", StringComparison.Ordinal));
        Assert.Contains("layers.1.weight", keys);          // hidden BN affine
        Assert.Contains("layers.4.running_mean", keys);    // last BN ...
        Assert.DoesNotContain("layers.4.weight", keys);    // ... without scale and shift
        Assert.Equal(new[] { 48 }, p.HiddenDims);
        using var vit = ContrastiveHeads.MoCoV3Projector(32, 48, 16, layers: 3);
        Assert.Equal(new[] { 48, 48 }, vit.HiddenDims);
        using var q = ContrastiveHeads.MoCoV3Predictor(16, 40);
        var qk = Keys(q);
        Assert.Equal(new[] { 40 }, q.HiddenDims);
        Assert.Equal(16, q.InputDim);
        Assert.Equal(16, q.OutputDim);
        Assert.Contains("layers.1.running_mean", qk);
        Assert.Contains("layers.3.weight", qk);
        Assert.DoesNotContain(qk, k => k.EndsWith("bias", StringComparison.Ordinal) && !k.StartsWith("layers.1.", StringComparison.Ordinal));
        Assert.DoesNotContain("layers.4.running_mean", qk);  // predictor ends with a Linear
        using var defaults = ContrastiveHeads.MoCoV3Predictor();
        Assert.Equal(new[] { 4096 }, defaults.HiddenDims);
        Assert.Equal(256, defaults.OutputDim);
        Assert.Throws<ArgumentOutOfRangeException>(() => ContrastiveHeads.MoCoV3Projector(32, layers: 0));
    }

    [Fact]
    public void MoCo_v3_projector_output_is_standardised_per_feature_in_train_mode()
    {
        using var p = ContrastiveHeads.MoCoV3Projector(8, 16, 4, seed: 2);
        p.train();
        using var scope = torch.NewDisposeScope();
        var y = p.call(torch.randn(new long[] { 64, 8 }, generator: new Generator(1)) * 5 + 3);
        Assert.True(y.mean(new long[] { 0 }).abs().max().item<float>() < 1e-4);
        Assert.True((y.var(0, unbiased: false) - 1).abs().max().item<float>() < 1e-2);
    }

    [Fact]
    public void NNCLR_heads_follow_the_paper()
    {
        using var p = ContrastiveHeads.NNCLRProjector(32, 24, 16);
        var keys = Keys(p);
        Assert.Equal(new[] { 24, 24 }, p.HiddenDims);
        Assert.Contains("layers.7.weight", keys);          // last BN affine
        Assert.Contains("layers.7.running_mean", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("layers.6.bias", StringComparison.Ordinal) || k.StartsWith("layers.0.bias", StringComparison.Ordinal));
        using var q = ContrastiveHeads.NNCLRPredictor(16, 40);
        var qk = Keys(q);
        Assert.Equal(new[] { 40 }, q.HiddenDims);
        Assert.Contains("layers.3.bias", qk);
        Assert.DoesNotContain("layers.0.bias", qk);
        using var d = ContrastiveHeads.NNCLRProjector(512);
        Assert.Equal(new[] { 2048, 2048 }, d.HiddenDims);
        Assert.Equal(256, d.OutputDim);
        using var dq = ContrastiveHeads.NNCLRPredictor();
        Assert.Equal(new[] { 4096 }, dq.HiddenDims);
    }

    [Fact]
    public void Twins_have_the_same_layout()
    {
        foreach (var h in new[] { ContrastiveHeads.MoCoV2Projector(8, 6, 4), ContrastiveHeads.MoCoV3Projector(8, 6, 4), ContrastiveHeads.NNCLRProjector(8, 6, 4) })
        {
            using (h)
            using (var twin = h.CreateTwin())
                Assert.Equal(Keys(h), Keys(twin));
        }
    }
}
