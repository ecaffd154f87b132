using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.DclDmlWmseFixture;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

/// <summary><see cref="TripletMarginLoss"/> and <see cref="ContrastiveMarginLoss"/> (one fixture group, one distance).</summary>
public class MarginLossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("margin");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Match_the_pytorch_reference_loss_and_gradients(string name)
    {
        var c = Case("margin", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        double m = c.GetProperty("margin").GetDouble();
        foreach (var key in new[] { "triplet", "contrastive" })
        {
            using var scope = torch.NewDisposeScope();
            var a = Matrix(c.GetProperty("anchor"), n, d);
            var p = Matrix(c.GetProperty("positive"), n, d);
            var neg = Matrix(c.GetProperty("negative"), n, d);
            var loss = key == "triplet" ? TripletMarginLoss.Compute(a, p, neg, m) : ContrastiveMarginLoss.Compute(a, p, neg, m);
            loss.backward();
            var e = c.GetProperty(key);
            AssertClose(e.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, $"{name} {key}");
            AssertGrad(e.GetProperty("grad_anchor"), a.grad, $"{name} {key} dL/da");
            AssertGrad(e.GetProperty("grad_positive"), p.grad, $"{name} {key} dL/dp");
            AssertGrad(e.GetProperty("grad_negative"), neg.grad, $"{name} {key} dL/dn");
        }
    }

    [Fact]
    public void Hand_derived_distances()
    {
        // Anchor at the origin, positive at (3, 4): d_p = 5. Negatives at (6, 8) (d_n = 10) and (0, 4.5) (d_n = 4.5)
        // and (0, 0.5) (d_n = 0.5). Triplet (m 1): max(5 - 10 + 1, 0) = 0, max(5 - 4.5 + 1, 0) = 1.5.
        // Hadsell (m 1): 25/2 + 0 = 12.5 and 25/2 + (1 - 0.5)^2 / 2 = 12.625. eps 1e-6 shifts distances by ~1e-6.
        using var scope = torch.NewDisposeScope();
        var a = torch.zeros(new long[] { 1, 2 }, ScalarType.Float64);
        var p = torch.tensor(new double[] { 3, 4 }, new long[] { 1, 2 });
        Tensor At(double x, double y) => torch.tensor(new[] { x, y }, new long[] { 1, 2 });
        AssertClose(0, TripletMarginLoss.Compute(a, p, At(6, 8)).item<double>(), 1e-5, "easy triplet");
        AssertClose(1.5, TripletMarginLoss.Compute(a, p, At(0, 4.5)).item<double>(), 1e-5, "hard triplet");
        AssertClose(12.5, ContrastiveMarginLoss.Compute(a, p, At(6, 8)).item<double>(), 1e-5, "far negative");
        AssertClose(12.625, ContrastiveMarginLoss.Compute(a, p, At(0, 0.5)).item<double>(), 1e-5, "near negative");
        // The mean over rows: both triplets together.
        var a2 = torch.cat(new[] { a, a }, 0);
        var p2 = torch.cat(new[] { p, p }, 0);
        AssertClose(0.75, TripletMarginLoss.Compute(a2, p2, torch.cat(new[] { At(6, 8), At(0, 4.5) }, 0)).item<double>(), 1e-5, "mean");
    }

    [Fact]
    public void Coinciding_points_keep_finite_gradients()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones(3, 4).requires_grad_(true);
        var loss = ContrastiveMarginLoss.Compute(a, a, a) + TripletMarginLoss.Compute(a, a, a);
        loss.backward();
        Assert.True(a.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_messages()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var ok = torch.randn(4, 3);
        Assert.Contains("one shape", Assert.Throws<ArgumentException>(() => TripletMarginLoss.Compute(ok, ok, torch.randn(4, 2))).Message);
        Assert.Contains("[N, D]", Assert.Throws<ArgumentException>(() => ContrastiveMarginLoss.Compute(torch.randn(4), torch.randn(4), torch.randn(4))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TripletMarginLoss.Compute(ok, ok, ok, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContrastiveMarginLoss.Compute(ok, ok, ok, double.NaN));
        var bad = ok.clone();
        bad[1, 1] = torch.tensor(float.PositiveInfinity);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => TripletMarginLoss.Compute(ok, ok, bad)).Message);
    }
}
