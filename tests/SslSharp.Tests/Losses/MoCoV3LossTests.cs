using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.MoCoNnclrFixtures;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class MoCoV3LossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("mocov3");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_pytorch_reference_loss_and_gradients(string name)
    {
        var c = Case("mocov3", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        using var scope = torch.NewDisposeScope();
        var q1 = Matrix(c, "q1", n, d, grad: true);
        var q2 = Matrix(c, "q2", n, d, grad: true);
        var k1 = Matrix(c, "k1", n, d, grad: true);
        var k2 = Matrix(c, "k2", n, d, grad: true);
        var loss = MoCoV3Loss.Compute(q1, q2, k1, k2, c.GetProperty("temperature").GetDouble());
        loss.backward();
        AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, $"{name} loss");
        AssertGradient(c, "grad_q1", q1.grad!, $"{name} dL/dq1");
        AssertGradient(c, "grad_q2", q2.grad!, $"{name} dL/dq2");
        AssertGradient(c, "grad_k1", k1.grad!, $"{name} dL/dk1");
        AssertGradient(c, "grad_k2", k2.grad!, $"{name} dL/dk2");
    }

    [Fact]
    public void Symmetric_in_the_two_views()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(5);
        var x = Enumerable.Range(0, 4).Select(_ => torch.randn(new long[] { 6, 5 }, ScalarType.Float64, generator: g)).ToArray();
        AssertClose(MoCoV3Loss.Compute(x[0], x[1], x[2], x[3], 0.2).item<double>(),
            MoCoV3Loss.Compute(x[1], x[0], x[3], x[2], 0.2).item<double>(), 1e-12, "swapped views");
    }

    [Theory]
    [InlineData(2, 1.0)]
    [InlineData(5, 0.2)]
    public void Orthonormal_matching_pairs_give_the_closed_form_with_the_2T_factor(int n, double t)
    {
        // q = k = orthonormal rows: each direction is 2T * (-1/T + log(e^{1/T} + N - 1)).
        using var scope = torch.NewDisposeScope();
        var z = torch.eye(n, n + 1, dtype: ScalarType.Float64);
        double one = 2 * t * (-1 / t + Math.Log(Math.Exp(1 / t) + n - 1));
        AssertClose(2 * one, MoCoV3Loss.Compute(z, z, z, z, t).item<double>(), 1e-10, "closed form");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Simulated_processes_reproduce_the_global_loss_and_query_gradients(int world)
    {
        // W processes with B rows each, keys gathered without gradient: the mean of the per-process
        // losses equals the one-process loss on the whole batch, and so do the query gradients.
        var c = Case("mocov3", "n8_d16_t0.2");
        double t = c.GetProperty("temperature").GetDouble();
        using var scope = torch.NewDisposeScope();
        var q1 = Matrix(c, "q1", 8, 16, grad: true);
        var q2 = Matrix(c, "q2", 8, 16, grad: true);
        var k1 = Matrix(c, "k1", 8, 16);
        var k2 = Matrix(c, "k2", 8, 16);
        long b = 8 / world;
        var mean = torch.stack(Enumerable.Range(0, world)
            .Select(r => MoCoV3Loss.Compute(q1.narrow(0, r * b, b), q2.narrow(0, r * b, b), k1, k2, r * b, t)).ToList()).mean();
        mean.backward();
        AssertClose(c.GetProperty("loss").GetDouble(), mean.item<double>(), 1e-9, "mean of per-process losses");
        AssertGradient(c, "grad_q1", q1.grad!, "dL/dq1");
        AssertGradient(c, "grad_q2", q2.grad!, "dL/dq2");
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_messages()
    {
        using var scope = torch.NewDisposeScope();
        var ok = torch.randn(4, 3);
        var ex = Assert.Throws<ArgumentException>(() => MoCoV3Loss.Compute(torch.randn(1, 3), torch.randn(1, 3), torch.randn(1, 3), torch.randn(1, 3)));
        Assert.Contains("at least 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MoCoV3Loss.Compute(ok, ok, ok, torch.randn(5, 3)));
        Assert.Contains("one shape", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => MoCoV3Loss.Compute(ok, ok, ok, ok, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MoCoV3Loss.Compute(ok, ok, torch.randn(8, 3), torch.randn(8, 3), 6, 1.0));
    }
}
