using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.DclDmlWmseFixture;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class WMSELossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("wmse");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_the_official_form_loss_gradients_and_whitening(string name)
    {
        var c = Case("wmse", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        int w = c.GetProperty("w").GetInt32();
        double eps = c.GetProperty("eps").GetDouble();
        using var scope = torch.NewDisposeScope();
        var views = c.GetProperty("views").EnumerateArray().Select(v => Matrix(v, n, d)).ToArray();
        var perm = torch.tensor(c.GetProperty("permutation").EnumerateArray().Select(x => x.GetInt64()).ToArray());
        var loss = WMSELoss.Compute(views, w, perm, eps);
        loss.backward();
        AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, name);
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < views.Length; i++)
            AssertGrad(grads[i], views[i].grad, $"{name} dL/dview{i}");
        using var noGrad = torch.no_grad();
        var white = WMSELoss.Whiten(views[0].index_select(0, perm.narrow(0, 0, w)), eps);
        AssertGrad(c.GetProperty("whitened_first_chunk_view0"), white, $"{name} whitened chunk");
    }

    [Theory]
    [InlineData(16, 4)]
    [InlineData(128, 64)]
    public void Whitened_sub_batches_have_zero_mean_and_identity_covariance(int w, int d)
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(41);
        // Strongly correlated, shifted input: x = u A + b.
        var x = torch.randn(new long[] { w, d }, ScalarType.Float64, generator: g)
            .mm(torch.randn(new long[] { d, d }, ScalarType.Float64, generator: g)) + 3.0;
        var z = WMSELoss.Whiten(x);
        Assert.True(z.mean(new long[] { 0 }).abs().max().item<double>() < 1e-10);
        var cov = z.t().mm(z) / (w - 1);
        Assert.True(cov.allclose(torch.eye(d, dtype: ScalarType.Float64), rtol: 0, atol: 1e-8), "covariance is not the identity");
        // Cholesky whitening is lower-triangular: the first output dimension depends on the first input only.
        var centred = x - x.mean(new long[] { 0 }, keepdim: true);
        var first = centred.select(1, 0) / centred.select(1, 0).std();
        Assert.True(z.select(1, 0).allclose(first, rtol: 1e-8, atol: 1e-10));
    }

    [Fact]
    public void Symmetric_in_the_views_and_gradient_flows_into_every_view()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(42);
        var a = torch.randn(new long[] { 12, 3 }, ScalarType.Float64, generator: g).requires_grad_(true);
        var b = torch.randn(new long[] { 12, 3 }, ScalarType.Float64, generator: g).requires_grad_(true);
        var perm = torch.randperm(12, generator: g);
        var loss = WMSELoss.Compute(new[] { a, b }, 6, perm);
        AssertClose(loss.item<double>(), WMSELoss.Compute(new[] { b, a }, 6, perm).item<double>(), 1e-12, "swap");
        loss.backward();
        Assert.True(a.grad!.abs().sum().item<double>() > 0);
        Assert.True(b.grad!.abs().sum().item<double>() > 0);
    }

    [Fact]
    public void Identical_views_give_zero_and_the_loss_is_the_normalised_mse()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(43);
        var a = torch.randn(new long[] { 8, 3 }, ScalarType.Float64, generator: g);
        AssertClose(0, WMSELoss.Compute(new[] { a, a.clone() }, 8).item<double>(), 1e-10, "identical views");
        // 2 - 2 cos: opposite unit vectors give 4, orthogonal 2.
        var e = torch.eye(2, dtype: ScalarType.Float64);
        AssertClose(4, WMSELoss.NormalizedMse(e, -e).item<double>(), 1e-12, "opposite");
        AssertClose(2, WMSELoss.NormalizedMse(e, e.flip(0)).item<double>(), 1e-12, "orthogonal");
    }

    [Fact]
    public void Too_small_or_uneven_sub_batches_fail_with_a_fix()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var v = torch.randn(16, 8);
        var ex = Assert.Throws<ArgumentException>(() => WMSELoss.Compute(new[] { v, v }, 8));
        Assert.Contains("larger than the embedding dimension", ex.Message);
        Assert.Contains("whitening_size", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => WMSELoss.Compute(new[] { torch.randn(20, 4), torch.randn(20, 4) }, 8));
        Assert.Contains("multiple of 8", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => WMSELoss.Whiten(torch.randn(4, 4)));
        Assert.Contains("rank", ex.Message);
        Assert.Contains("at least 2 views", Assert.Throws<ArgumentException>(() => WMSELoss.Compute(new[] { v }, 16)).Message);
        Assert.Contains("permutation", Assert.Throws<ArgumentException>(() =>
            WMSELoss.Compute(new[] { torch.randn(8, 2), torch.randn(8, 2) }, 4, torch.zeros(8, ScalarType.Int64))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => WMSELoss.Whiten(torch.randn(8, 2), 1.0));
    }

    [Fact]
    public void Collapsed_embeddings_fail_clearly_and_shrinkage_rescues_them()
    {
        using var scope = torch.NewDisposeScope();
        // A collapsed (constant) dimension: the covariance has a zero row and column, so it is singular.
        var g = new Generator(44);
        var x = torch.cat(new[] { torch.randn(new long[] { 10, 2 }, ScalarType.Float64, generator: g), torch.full(10, 1, 3.0, ScalarType.Float64) }, 1);
        using (LossChecks.DebugScope())
        {
            var ex = Assert.Throws<ArgumentException>(() => WMSELoss.Whiten(x));
            Assert.Contains("whitening_eps", ex.Message);
        }
        // Without the (host-syncing) check the whitening turns NaN, so the loss is non-finite and the Trainer stops.
        using (LossChecks.DebugScope(false))
            Assert.True(WMSELoss.Whiten(x).isnan().all().item<bool>());
        Assert.True(WMSELoss.Whiten(x, 0.1).isfinite().all().item<bool>());
    }
}
