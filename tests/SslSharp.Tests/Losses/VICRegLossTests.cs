using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.CorrSwavFixture;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class VICRegLossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("vicreg");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_pytorch_reference_loss_terms_and_gradients(string name)
    {
        var c = Case("vicreg", name);
        long n = Long(c, "n"), d = Long(c, "d");
        using var scope = torch.NewDisposeScope();
        var z1 = Tensor(c.GetProperty("z1"), n, d).requires_grad_(true);
        var z2 = Tensor(c.GetProperty("z2"), n, d).requires_grad_(true);
        var loss = VICRegLoss.Compute(z1, z2, Double(c, "sim_coeff"), Double(c, "std_coeff"), Double(c, "cov_coeff"));
        loss.backward();
        AssertClose(Double(c, "loss"), loss.item<double>(), 1e-5, $"{name} loss");
        var terms = VICRegLoss.ComputeTerms(z1, z2);
        AssertClose(Double(c, "invariance"), terms.Invariance.item<double>(), 1e-5, $"{name} invariance");
        AssertClose(Double(c, "variance"), terms.Variance.item<double>(), 1e-5, $"{name} variance");
        AssertClose(Double(c, "covariance"), terms.Covariance.item<double>(), 1e-5, $"{name} covariance");
        AssertAllClose(c.GetProperty("grad_z1"), z1.grad!, 1e-5, $"{name} dL/dz1");
        AssertAllClose(c.GetProperty("grad_z2"), z2.grad!, 1e-5, $"{name} dL/dz2");
    }

    [Fact]
    public void The_fixtures_exercise_an_active_and_an_inactive_variance_hinge()
    {
        // The reference draws per-dimension scales in [0.2, 2]: some dimensions have std < 1 (hinge on), others > 1.
        var c = Case("vicreg", "n24_d32");
        using var scope = torch.NewDisposeScope();
        var z1 = Tensor(c.GetProperty("z1"), 24, 32);
        var std = z1.std(0);
        Assert.True((std < 1).any().item<bool>() && (std > 1).any().item<bool>());
        Assert.True(Double(c, "variance") > 0);
    }

    [Fact]
    public void Float32_matches_the_reference_to_single_precision()
    {
        var c = Case("vicreg", "n24_d32");
        using var scope = torch.NewDisposeScope();
        var z1 = Tensor(c.GetProperty("z1"), 24, 32).to_type(ScalarType.Float32);
        var z2 = Tensor(c.GetProperty("z2"), 24, 32).to_type(ScalarType.Float32);
        var loss = VICRegLoss.Compute(z1, z2);
        Assert.Equal(ScalarType.Float32, loss.dtype);
        AssertClose(Double(c, "loss"), loss.item<float>(), 1e-4, "float32 loss");
    }

    [Fact]
    public void Symmetric_in_the_two_views()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(3);
        var z1 = torch.randn(new long[] { 10, 6 }, ScalarType.Float64, generator: g) * 0.7;
        var z2 = torch.randn(new long[] { 10, 6 }, ScalarType.Float64, generator: g) * 1.3;
        AssertClose(VICRegLoss.Compute(z1, z2).item<double>(), VICRegLoss.Compute(z2, z1).item<double>(), 1e-12, "L(z1,z2) vs L(z2,z1)");
    }

    [Fact]
    public void Hand_derived_cases()
    {
        using var scope = torch.NewDisposeScope();
        // Identical views: no invariance term. Columns +-2 (std = sqrt(4 * 4/3) > 1): no variance term.
        // Two orthogonal columns: zero covariance. So the loss is exactly 0.
        var z = torch.tensor(new double[] { 2, 2, -2, 2, 2, -2, -2, -2 }, new long[] { 4, 2 });
        var t = VICRegLoss.ComputeTerms(z, z.clone());
        Assert.Equal(0.0, t.Invariance.item<double>());
        Assert.Equal(0.0, t.Variance.item<double>());
        Assert.Equal(0.0, t.Covariance.item<double>(), 12);
        // Collapsed views (all rows equal): std = sqrt(1e-4) = 0.01 per dimension, so var = (1 - 0.01) for each view / 2 x 2 = 0.99.
        var collapsed = torch.ones(5, 3, ScalarType.Float64);
        var tc = VICRegLoss.ComputeTerms(collapsed, collapsed.clone());
        Assert.Equal(0.99, tc.Variance.item<double>(), 12);
        Assert.Equal(0.0, tc.Covariance.item<double>(), 12);
        // A constant offset between the views: inv = offset^2, nothing else changes.
        var g = new Generator(1);
        var a = torch.randn(new long[] { 6, 4 }, ScalarType.Float64, generator: g);
        var ta = VICRegLoss.ComputeTerms(a, a + 0.5);
        Assert.Equal(0.25, ta.Invariance.item<double>(), 12);
        var t0 = VICRegLoss.ComputeTerms(a, a.clone());
        Assert.Equal(t0.Covariance.item<double>(), ta.Covariance.item<double>(), 12);
        Assert.Equal(t0.Variance.item<double>(), ta.Variance.item<double>(), 12);
        // Perfectly correlated columns (x, 2x) of one view: C = [[v, 2v], [2v, 4v]], off-diagonal sum 8v^2, / D = 4v^2.
        var x = torch.tensor(new double[] { -1.5, -0.5, 0.5, 1.5 }, new long[] { 4, 1 });
        var corr = torch.cat(new[] { x, 2 * x }, 1);
        double v = 5.0 / 3.0;   // unbiased variance of x
        var tcorr = VICRegLoss.ComputeTerms(corr, corr.clone());
        Assert.Equal(2 * 4 * v * v, tcorr.Covariance.item<double>(), 10);
    }

    [Fact]
    public void Bad_input_fails_clearly()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => VICRegLoss.Compute(torch.randn(1, 4), torch.randn(1, 4)));
        Assert.Contains("at least 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => VICRegLoss.Compute(torch.randn(4, 4), torch.randn(4, 5)));
        Assert.Contains("one shape", ex.Message);
        Assert.Throws<ArgumentException>(() => VICRegLoss.Compute(torch.randn(4), torch.randn(4)));
        var nan = torch.full(4, 3, double.NaN);
        ex = Assert.Throws<ArgumentException>(() => VICRegLoss.Compute(nan, torch.randn(4, 3)));
        Assert.Contains("NaN", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => VICRegLoss.Compute(torch.randn(4, 3), torch.randn(4, 3), simCoeff: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => VICRegLoss.Compute(torch.randn(4, 3), torch.randn(4, 3), covCoeff: double.NaN));
    }
}
