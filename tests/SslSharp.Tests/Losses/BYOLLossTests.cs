using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;

namespace SslSharp.Tests.Losses;

public class BYOLLossTests
{
    public static IEnumerable<object[]> Pairs() => F.Names("pairs");

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Matches_the_deepmind_formula_loss_and_gradients(string name)
    {
        var c = F.Case("pairs", name);
        using var scope = torch.NewDisposeScope();
        var (p1, p2, z1, z2) = F.PairInputs(c, predictionsRequireGrad: true, targetsRequireGrad: true);
        var loss = BYOLLoss.Compute(p1, p2, z1, z2);
        loss.backward();
        F.AssertClose(c.GetProperty("byol_loss").GetDouble(), loss.item<double>(), 1e-5, name);
        F.AssertAllClose(F.Doubles(c.GetProperty("byol_grad_p1")), p1.grad!, 1e-5, "dL/dp1");
        F.AssertAllClose(F.Doubles(c.GetProperty("byol_grad_p2")), p2.grad!, 1e-5, "dL/dp2");
        // The stop-gradient is part of the loss: nothing reaches the targets even when they require grad.
        Assert.True(z1.grad is null);
        Assert.True(z2.grad is null);
    }

    [Fact]
    public void Swapping_the_views_gives_the_same_loss()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(5);
        var t = Enumerable.Range(0, 4).Select(_ => torch.randn(new long[] { 6, 5 }, generator: g)).ToArray();
        double a = BYOLLoss.Compute(t[0], t[1], t[2], t[3]).item<float>();
        double b = BYOLLoss.Compute(t[1], t[0], t[3], t[2]).item<float>();
        Assert.Equal(a, b, 6);
    }

    [Fact]
    public void Closed_forms_zero_for_aligned_four_for_orthogonal_eight_for_opposite()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.eye(3, 6, dtype: ScalarType.Float64);
        var y = torch.eye(3, 6, dtype: ScalarType.Float64).roll(3, 1);   // orthogonal rows
        Assert.Equal(0, BYOLLoss.Compute(x * 2, x * 3, x, x).item<double>(), 12);
        Assert.Equal(4, BYOLLoss.Compute(x, x, y, y).item<double>(), 12);
        Assert.Equal(8, BYOLLoss.Compute(x, x, -x, -x).item<double>(), 12);
        Assert.Equal(2, BYOLLoss.Regression(x, y).item<double>(), 12);
    }

    [Fact]
    public void Bad_inputs_fail_clearly()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(4, 8);
        var ex = Assert.Throws<ArgumentException>(() => BYOLLoss.Compute(a, a, a, torch.randn(4, 7)));
        Assert.Contains("[N, D]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => BYOLLoss.Compute(a, a, a, a.masked_fill(a.gt(0), double.NaN)));
        Assert.Contains("NaN", ex.Message);
        Assert.Throws<ArgumentException>(() => BYOLLoss.Compute(torch.randn(8), torch.randn(8), torch.randn(8), torch.randn(8)));
    }
}
