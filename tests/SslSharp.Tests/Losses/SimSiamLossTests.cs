using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;

namespace SslSharp.Tests.Losses;

public class SimSiamLossTests
{
    public static IEnumerable<object[]> Pairs() => F.Names("pairs");

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Matches_the_simsiam_reference_with_stop_gradient(string name)
    {
        var c = F.Case("pairs", name);
        using var scope = torch.NewDisposeScope();
        var (p1, p2, z1, z2) = F.PairInputs(c, predictionsRequireGrad: true, targetsRequireGrad: true);
        var loss = SimSiamLoss.Compute(p1, p2, z1, z2);
        loss.backward();
        F.AssertClose(c.GetProperty("simsiam_loss").GetDouble(), loss.item<double>(), 1e-5, name);
        F.AssertAllClose(F.Doubles(c.GetProperty("simsiam_grad_p1")), p1.grad!, 1e-5, "dL/dp1");
        F.AssertAllClose(F.Doubles(c.GetProperty("simsiam_grad_p2")), p2.grad!, 1e-5, "dL/dp2");
        Assert.True(z1.grad is null, "stop-gradient: no gradient may reach z1");
        Assert.True(z2.grad is null, "stop-gradient: no gradient may reach z2");
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Without_stop_gradient_the_targets_get_the_reference_gradient(string name)
    {
        var c = F.Case("pairs", name);
        using var scope = torch.NewDisposeScope();
        var (p1, p2, z1, z2) = F.PairInputs(c, predictionsRequireGrad: false, targetsRequireGrad: true);
        var loss = SimSiamLoss.Compute(p1, p2, z1, z2, stopGradient: false);
        loss.backward();
        F.AssertClose(c.GetProperty("simsiam_nosg_loss").GetDouble(), loss.item<double>(), 1e-5, name);
        F.AssertAllClose(F.Doubles(c.GetProperty("simsiam_nosg_grad_z1")), z1.grad!, 1e-5, "dL/dz1");
        F.AssertAllClose(F.Doubles(c.GetProperty("simsiam_nosg_grad_z2")), z2.grad!, 1e-5, "dL/dz2");
    }

    [Fact]
    public void Symmetric_bounded_and_an_affine_image_of_the_byol_loss()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(7);
        var t = Enumerable.Range(0, 4).Select(_ => torch.randn(new long[] { 5, 9 }, generator: g, dtype: ScalarType.Float64)).ToArray();
        double a = SimSiamLoss.Compute(t[0], t[1], t[2], t[3]).item<double>();
        Assert.Equal(a, SimSiamLoss.Compute(t[1], t[0], t[3], t[2]).item<double>(), 12);
        Assert.InRange(a, -1, 1);
        // (2 - 2 c1) + (2 - 2 c2) = 4 + 4 x (-(c1 + c2) / 2).
        Assert.Equal(4 + 4 * a, BYOLLoss.Compute(t[0], t[1], t[2], t[3]).item<double>(), 10);
        var x = torch.randn(new long[] { 3, 4 }, generator: g, dtype: ScalarType.Float64);
        Assert.Equal(-1, SimSiamLoss.Compute(x, x, x * 2, x * 5).item<double>(), 12);
    }

    [Fact]
    public void Bad_inputs_fail_clearly()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(4, 8);
        var ex = Assert.Throws<ArgumentException>(() => SimSiamLoss.Compute(a, a, torch.randn(3, 8), a));
        Assert.Contains("SimSiam", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => SimSiamLoss.Compute(a, a / 0, a, a));
        Assert.Contains("NaN or infinite", ex.Message);
    }
}
