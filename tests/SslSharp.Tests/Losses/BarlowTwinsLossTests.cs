using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.CorrSwavFixture;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class BarlowTwinsLossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("barlowtwins");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_pytorch_reference_loss_correlation_and_gradients(string name)
    {
        var c = Case("barlowtwins", name);
        long n = Long(c, "n"), d = Long(c, "d");
        using var scope = torch.NewDisposeScope();
        var z1 = Tensor(c.GetProperty("z1"), n, d).requires_grad_(true);
        var z2 = Tensor(c.GetProperty("z2"), n, d).requires_grad_(true);
        var loss = BarlowTwinsLoss.Compute(z1, z2, Double(c, "lambda"), Double(c, "scale"));
        loss.backward();
        AssertClose(Double(c, "loss"), loss.item<double>(), 1e-5, $"{name} loss");
        AssertAllClose(c.GetProperty("c"), BarlowTwinsLoss.CrossCorrelation(z1, z2), 1e-5, $"{name} c");
        AssertAllClose(c.GetProperty("grad_z1"), z1.grad!, 1e-5, $"{name} dL/dz1");
        AssertAllClose(c.GetProperty("grad_z2"), z2.grad!, 1e-5, $"{name} dL/dz2");
    }

    [Fact]
    public void Float32_matches_the_reference_to_single_precision()
    {
        var c = Case("barlowtwins", "n8_d16_l0.0051");
        using var scope = torch.NewDisposeScope();
        var z1 = Tensor(c.GetProperty("z1"), 8, 16).to_type(ScalarType.Float32);
        var z2 = Tensor(c.GetProperty("z2"), 8, 16).to_type(ScalarType.Float32);
        AssertClose(Double(c, "loss"), BarlowTwinsLoss.Compute(z1, z2).item<float>(), 1e-4, "float32 loss");
    }

    [Fact]
    public void Swapping_the_views_transposes_c_and_keeps_the_loss()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(5);
        var z1 = torch.randn(new long[] { 12, 7 }, ScalarType.Float64, generator: g);
        var z2 = z1 * 0.5 + torch.randn(new long[] { 12, 7 }, ScalarType.Float64, generator: g);
        var c12 = BarlowTwinsLoss.CrossCorrelation(z1, z2);
        var c21 = BarlowTwinsLoss.CrossCorrelation(z2, z1);
        Assert.True(c12.allclose(c21.t(), rtol: 1e-12, atol: 1e-12));
        Assert.False(c12.allclose(c21, rtol: 1e-3, atol: 1e-3));   // c itself is not symmetric
        AssertClose(BarlowTwinsLoss.Compute(z1, z2, 0.1).item<double>(), BarlowTwinsLoss.Compute(z2, z1, 0.1).item<double>(), 1e-12, "swap");
    }

    [Fact]
    public void Hand_derived_cases()
    {
        using var scope = torch.NewDisposeScope();
        // Identical views with orthogonal +-1 columns: c = the identity up to BN's eps
        // (c_ii = var / (var + 1e-5) with var = 1), so the loss is (1 - 1/(1 + 1e-5))^2 per diagonal entry.
        var z = torch.tensor(new double[] { 1, 1, -1, 1, 1, -1, -1, -1 }, new long[] { 4, 2 });
        double cii = 1 / (1 + 1e-5);
        AssertClose(2 * Math.Pow(cii - 1, 2), BarlowTwinsLoss.Compute(z, z.clone()).item<double>(), 1e-9, "identity");
        // Invariant to a per-dimension affine map with positive scale of either view (BN removes it).
        var g = new Generator(2);
        var a = torch.randn(new long[] { 9, 5 }, ScalarType.Float64, generator: g);
        var b = torch.randn(new long[] { 9, 5 }, ScalarType.Float64, generator: g);
        var scale = torch.rand(new long[] { 5 }, ScalarType.Float64, generator: g) * 5 + 0.5;
        double l = BarlowTwinsLoss.Compute(a, b).item<double>();
        AssertClose(l, BarlowTwinsLoss.Compute(a * scale + 3, b).item<double>(), 1e-4, "affine (up to BN eps)");
        // The scale multiplies, lambda = 0 leaves the diagonal term alone.
        AssertClose(0.024 * l, BarlowTwinsLoss.Compute(a, b, scaleLoss: 0.024).item<double>(), 1e-12, "scale");
        var c = BarlowTwinsLoss.CrossCorrelation(a, b);
        double onDiag = torch.diag(c).sub(1.0).square().sum().item<double>();
        AssertClose(onDiag, BarlowTwinsLoss.Compute(a, b, lambda: 0).item<double>(), 1e-12, "lambda 0");
        // Anti-correlated views: c_ii = -1 (up to eps), loss ~ 4 per dimension.
        AssertClose(2 * Math.Pow(-cii - 1, 2), BarlowTwinsLoss.Compute(z, -z).item<double>(), 1e-9, "anti");
    }

    [Fact]
    public void Batch_of_one_and_bad_settings_fail_clearly()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => BarlowTwinsLoss.Compute(torch.randn(1, 4), torch.randn(1, 4)));
        Assert.Contains("at least 2", ex.Message);
        Assert.Contains("standardisation", ex.Message);
        Assert.Throws<ArgumentException>(() => BarlowTwinsLoss.Compute(torch.randn(4, 4), torch.randn(3, 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => BarlowTwinsLoss.Compute(torch.randn(4, 4), torch.randn(4, 4), lambda: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BarlowTwinsLoss.Compute(torch.randn(4, 4), torch.randn(4, 4), scaleLoss: 0));
        ex = Assert.Throws<ArgumentException>(() => BarlowTwinsLoss.Compute(torch.full(4, 4, double.PositiveInfinity), torch.randn(4, 4)));
        Assert.Contains("NaN", ex.Message);
    }
}
