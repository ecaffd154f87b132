using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;
using M = SslSharp.Tests.Losses.MimFixtures;

namespace SslSharp.Tests.Losses;

public class IJEPALossTests
{
    public static IEnumerable<object[]> Cases() => M.Names("ijepa");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_smooth_l1_on_layer_normed_targets(string name)
    {
        var c = M.Case("ijepa", name);
        long m = M.Int(c, "m"), k = M.Int(c, "k"), d = M.Int(c, "d");
        using var scope = torch.NewDisposeScope();
        var pred = M.Tensor(c, "pred", m, k, d).requires_grad_(true);
        var target = M.Tensor(c, "target", m, k, d).requires_grad_(true);
        var loss = IJEPALoss.Compute(pred, target, c.GetProperty("beta").GetDouble());
        loss.backward();
        F.AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-6, name);
        F.AssertAllClose(M.Doubles(c, "grad_pred"), pred.grad!, 1e-6, "dL/dpred");
        Assert.True(target.grad is null, "no gradient may reach the target encoder");
    }

    [Fact]
    public void Targets_are_normalised_per_token_without_affine_parameters()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.randn(new long[] { 2, 3, 10 }, generator: new Generator(1), dtype: ScalarType.Float64) * 5 - 3;
        var h = IJEPALoss.NormalizedTargets(t);
        Assert.True(h.mean(new long[] { -1 }).abs().max().item<double>() < 1e-12);
        // Biased variance (layer norm), eps 1e-5: var = 1 - 1e-5 / (var_t + 1e-5) ~ 1.
        Assert.True((h.var(-1, unbiased: false) - 1).abs().max().item<double>() < 1e-5);
        Assert.False(h.requires_grad);
    }

    [Fact]
    public void Bad_inputs_fail_clearly()
    {
        using var debugChecks = LossChecks.DebugScope();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(4, 3, 8);
        var e = Assert.Throws<ArgumentException>(() => IJEPALoss.Compute(x, torch.randn(4, 3, 7)));
        Assert.Contains("one shape", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => IJEPALoss.Compute(x, x, beta: 0));
        e = Assert.Throws<ArgumentException>(() => IJEPALoss.Compute(x, x / 0));
        Assert.Contains("NaN", e.Message);
    }
}
