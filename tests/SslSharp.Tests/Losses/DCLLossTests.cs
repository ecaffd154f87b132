using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.DclDmlWmseFixture;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class DCLLossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("dcl");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void DCL_and_DCLW_match_the_pytorch_reference_loss_and_gradients(string name)
    {
        var c = Case("dcl", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        double t = c.GetProperty("temperature").GetDouble(), sigma = c.GetProperty("sigma").GetDouble();
        foreach (var weighted in new[] { false, true })
        {
            using var scope = torch.NewDisposeScope();
            var expected = c.GetProperty(weighted ? "dclw" : "dcl");
            var z1 = Matrix(c.GetProperty("z1"), n, d);
            var z2 = Matrix(c.GetProperty("z2"), n, d);
            var loss = weighted ? DCLLoss.ComputeWeighted(z1, z2, t, sigma) : DCLLoss.Compute(z1, z2, t);
            loss.backward();
            string what = $"{name} {(weighted ? "DCLW" : "DCL")}";
            AssertClose(expected.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, what);
            AssertGrad(expected.GetProperty("grad_z1"), z1.grad, what + " dL/dz1");
            AssertGrad(expected.GetProperty("grad_z2"), z2.grad, what + " dL/dz2");
        }
    }

    [Theory]
    [InlineData(2, 0.1)]
    [InlineData(5, 0.5)]
    public void Identical_orthonormal_views_give_the_closed_form(int n, double t)
    {
        // Positive at cos 1 (not in the denominator), 2N-2 negatives at cos 0: L = -1/T + log(2N - 2).
        using var scope = torch.NewDisposeScope();
        var z = torch.eye(n, 2 * n, dtype: ScalarType.Float64);
        AssertClose(-1 / t + Math.Log(2 * n - 2), DCLLoss.Compute(z, z.clone(), t).item<double>(), 1e-10, "DCL closed form");
        // All positives equally similar: softmax is uniform, w = 2 - N/N = 1, so DCLW = DCL.
        AssertClose(-1 / t + Math.Log(2 * n - 2), DCLLoss.ComputeWeighted(z, z.clone(), t).item<double>(), 1e-10, "DCLW closed form");
    }

    [Fact]
    public void Differs_from_ntxent_exactly_by_removing_the_positive_from_the_denominator()
    {
        // For one anchor: NT-Xent_i = -s_p/T + log(e^{s_p/T} + S), DCL_i = -s_p/T + log(S) where S is the sum over
        // negatives; with z1 = z2 orthonormal S = 2N-2 and the difference is log(1 + e^{1/T}/(2N-2)).
        using var scope = torch.NewDisposeScope();
        var z = torch.eye(4, 8, dtype: ScalarType.Float64);
        double diff = NTXentLoss.Compute(z, z.clone(), 0.5).item<double>() - DCLLoss.Compute(z, z.clone(), 0.5).item<double>();
        AssertClose(Math.Log(1 + Math.Exp(2) / 6), diff, 1e-10, "NT-Xent - DCL");
    }

    [Fact]
    public void Symmetric_in_the_two_views()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(21);
        var z1 = torch.randn(new long[] { 7, 5 }, ScalarType.Float64, generator: g);
        var z2 = torch.randn(new long[] { 7, 5 }, ScalarType.Float64, generator: g);
        AssertClose(DCLLoss.Compute(z1, z2).item<double>(), DCLLoss.Compute(z2, z1).item<double>(), 1e-12, "DCL swap");
        AssertClose(DCLLoss.ComputeWeighted(z1, z2).item<double>(), DCLLoss.ComputeWeighted(z2, z1).item<double>(), 1e-12, "DCLW swap");
    }

    [Fact]
    public void DCLW_weights_are_detached_sum_to_N_and_favour_hard_positives()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(22);
        var a = nn.functional.normalize(torch.randn(new long[] { 6, 4 }, ScalarType.Float64, generator: g).requires_grad_(true), dim: 1);
        var b = nn.functional.normalize(torch.randn(new long[] { 6, 4 }, ScalarType.Float64, generator: g).requires_grad_(true), dim: 1);
        var w = DCLLoss.VonMisesFisherWeights(a, b, 0.5);
        Assert.False(w.requires_grad);
        AssertClose(6, w.sum().item<double>(), 1e-12, "sum of weights");
        // The most similar pair (easiest positive) gets the smallest weight.
        var sims = (a * b).sum(1);
        Assert.Equal(sims.argmax().item<long>(), w.argmin().item<long>());
        Assert.True(w.max().item<double>() < 2);
    }

    [Fact]
    public void DCLW_gradient_treats_the_weights_as_constants()
    {
        // d/dz of DCLW equals d/dz of the same expression with the weights precomputed as constants: build that
        // expression by hand from DCL's parts (positive term scaled by the constant weights).
        using var scope = torch.NewDisposeScope();
        var g = new Generator(23);
        var z1 = torch.randn(new long[] { 5, 3 }, ScalarType.Float64, generator: g).requires_grad_(true);
        var z2 = torch.randn(new long[] { 5, 3 }, ScalarType.Float64, generator: g).requires_grad_(true);
        DCLLoss.ComputeWeighted(z1, z2, 0.2, 0.5).backward();
        var g1 = z1.grad!.clone();

        var y1 = z1.detach().clone().requires_grad_(true);
        var y2 = z2.detach().clone().requires_grad_(true);
        var a = nn.functional.normalize(y1, dim: 1);
        var b = nn.functional.normalize(y2, dim: 1);
        var w = (2.0 - 5 * ((a * b).sum(1) / 0.5).softmax(0)).detach();
        var pos = (a * b).sum(1).neg() / 0.2 * w;
        var eye = torch.eye(5, dtype: ScalarType.Bool).repeat(1, 2);
        var negA = torch.cat(new[] { a.mm(a.t()), a.mm(b.t()) }, 1).div(0.2).masked_fill(eye, double.NegativeInfinity).logsumexp(1);
        var negB = torch.cat(new[] { b.mm(b.t()), b.mm(a.t()) }, 1).div(0.2).masked_fill(eye, double.NegativeInfinity).logsumexp(1);
        var manual = ((pos + negA).mean() + (pos + negB).mean()) * 0.5;
        manual.backward();
        Assert.True(g1.allclose(y1.grad!, rtol: 1e-10, atol: 1e-12));
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_messages()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var ok = torch.randn(4, 3);
        var ex = Assert.Throws<ArgumentException>(() => DCLLoss.Compute(torch.randn(1, 3), torch.randn(1, 3)));
        Assert.Contains("at least 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => DCLLoss.Compute(ok, torch.randn(5, 3)));
        Assert.Contains("one shape", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => DCLLoss.Compute(torch.randn(4, 3, 1), torch.randn(4, 3, 1)));
        Assert.Contains("[N, D]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DCLLoss.Compute(ok, ok, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DCLLoss.ComputeWeighted(ok, ok, 0.1, -1));
        var bad = ok.clone();
        bad[0, 0] = torch.tensor(float.NaN);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => DCLLoss.Compute(ok, bad)).Message);
    }
}
