using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Modules.DeepClusterFixture;

namespace SslSharp.Tests.Modules;

public class PcaWhiteningTests
{
    public static IEnumerable<object[]> Names() => F.Names("pca");

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_the_numpy_svd_reference(string name)
    {
        var c = F.Case("pca", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        int outDim = c.GetProperty("out_dim").GetInt32();
        using var scope = torch.NewDisposeScope();
        var x = F.Matrix(c, "x", n, d);
        using var pca = PcaWhitening.Fit(x, outDim);
        Assert.Equal((int)d, pca.InputDim);
        Assert.Equal(outDim, pca.OutputDim);
        F.AssertClose(F.Doubles(c.GetProperty("mean")), pca.Mean, 1e-9, $"{name} mean");
        F.AssertClose(F.Doubles(c.GetProperty("eigenvalues")), pca.Eigenvalues, 1e-9, $"{name} eigenvalues");
        F.AssertClose(F.Doubles(c.GetProperty("projection")), pca.Projection, 1e-7, $"{name} projection");
        F.AssertClose(F.Doubles(c.GetProperty("whitened")), pca.Apply(x), 1e-7, $"{name} whitened");
        F.AssertClose(F.Doubles(c.GetProperty("normalized")), PcaWhitening.WhitenAndNormalize(x, outDim), 1e-7, $"{name} normalised");
        // float32 input: same numbers to single precision, float32 output.
        var y32 = pca.Apply(x.to_type(ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, y32.dtype);
        F.AssertClose(F.Doubles(c.GetProperty("whitened")), y32, 1e-5, $"{name} whitened (float32)");
    }

    [Fact]
    public void Whitened_outputs_are_decorrelated_with_unit_variance()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(3);
        var x = torch.randn(new long[] { 500, 12 }, generator: g, dtype: ScalarType.Float64)
            .matmul(torch.randn(new long[] { 12, 12 }, generator: g, dtype: ScalarType.Float64)).add(5);
        using var pca = PcaWhitening.Fit(x, 7, epsilon: 0);
        var y = pca.Apply(x);
        Assert.True(y.mean(new long[] { 0 }).abs().max().item<double>() < 1e-10);
        var cov = y.t().matmul(y).div(500);
        Assert.True(cov.allclose(torch.eye(7, dtype: ScalarType.Float64), rtol: 0, atol: 1e-9));
    }

    [Fact]
    public void Chunked_fit_on_many_rows_equals_the_direct_covariance()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(4);
        var x = torch.randn(new long[] { 20000, 4 }, generator: g, dtype: ScalarType.Float64).mul(torch.tensor(new[] { 4.0, 2.0, 1.0, 0.5 }));
        using var pca = PcaWhitening.Fit(x, 4, epsilon: 0); // 20000 rows: three chunks of 8192
        var centred = x.sub(x.mean(new long[] { 0 }));
        var expected = torch.linalg.eigvalsh(centred.t().matmul(centred).div(20000)).flip(0);
        Assert.True(pca.Eigenvalues.allclose(expected, rtol: 1e-10, atol: 0));
    }

    [Fact]
    public void Output_width_caps_at_the_feature_width_and_rows_have_unit_norm()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 64, 10 }, generator: new Generator(5));
        var z = PcaWhitening.WhitenAndNormalize(x, 256);
        Assert.Equal(new long[] { 64, 10 }, z.shape);
        Assert.True(z.norm(1).allclose(torch.ones(64), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Sign_convention_makes_the_largest_entry_of_every_component_positive()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 100, 6 }, generator: new Generator(6), dtype: ScalarType.Float64);
        using var pca = PcaWhitening.Fit(x, 6);
        var p = pca.Projection;
        var at = p.abs().argmax(1, keepdim: true);
        Assert.True(p.gather(1, at).gt(0).all().item<bool>());
        using var flipped = PcaWhitening.Fit(x.neg(), 6); // the same directions: same matrix
        Assert.True(flipped.Projection.allclose(p, rtol: 1e-8, atol: 1e-10));
    }

    [Fact]
    public void Directions_without_variance_are_not_blown_up()
    {
        using var scope = torch.NewDisposeScope();
        // 3 informative columns and 3 constant ones (dead units): the last components carry ~0, not noise of norm 1.
        var g = new Generator(7);
        var live = torch.randn(new long[] { 200, 3 }, generator: g, dtype: ScalarType.Float64);
        var x = torch.cat(new[] { live, torch.ones(200, 3, dtype: ScalarType.Float64) }, 1);
        using var pca = PcaWhitening.Fit(x, 6);
        var y = pca.Apply(x);
        Assert.True(y.narrow(1, 3, 3).abs().max().item<double>() < 1e-3);
        Assert.True(y.narrow(1, 0, 3).std(0).min().item<double>() > 0.99);
    }

    [Fact]
    public void Bad_input_fails_with_a_clear_message()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(10, 4);
        Assert.Contains("[1, 4]", Assert.Throws<ArgumentOutOfRangeException>(() => PcaWhitening.Fit(x, 5)).Message);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => PcaWhitening.Fit(torch.randn(1, 4), 2)).Message);
        Assert.Contains("float features", Assert.Throws<ArgumentException>(() => PcaWhitening.Fit(torch.ones(10, 4, ScalarType.Int64), 2)).Message);
        Assert.Contains("variance", Assert.Throws<ArgumentException>(() => PcaWhitening.Fit(torch.ones(10, 4), 2)).Message);
        using var pca = PcaWhitening.Fit(x, 2);
        Assert.Contains("[N, 4]", Assert.Throws<ArgumentException>(() => pca.Apply(torch.randn(3, 5))).Message);
    }
}
