using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.MoCoNnclrFixtures;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class MoCoLossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("mocov2");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_pytorch_reference_loss_and_gradients(string name)
    {
        var c = Case("mocov2", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64(), k = c.GetProperty("k").GetInt64();
        using var scope = torch.NewDisposeScope();
        var q = Matrix(c, "q", n, d, grad: true);
        var key = Matrix(c, "key", n, d, grad: true);
        var queue = Matrix(c, "queue", k, d);
        var loss = MoCoLoss.Compute(q, key, queue, c.GetProperty("temperature").GetDouble());
        loss.backward();
        AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, $"{name} loss");
        AssertGradient(c, "grad_q", q.grad!, $"{name} dL/dq");
        AssertGradient(c, "grad_key", key.grad!, $"{name} dL/dk");
    }

    [Theory]
    [InlineData(4, 0.2)]
    [InlineData(8, 1.0)]
    public void Orthogonal_queue_gives_the_closed_form(int k, double t)
    {
        // q = k = e_0 and a queue of K rows orthogonal to it: logits [1/T, 0 x K], L = -1/T + log(e^{1/T} + K).
        using var scope = torch.NewDisposeScope();
        var q = torch.eye(3, k + 1, dtype: ScalarType.Float64).narrow(0, 0, 1).expand(3, k + 1).contiguous();
        var queue = torch.eye(k + 1, dtype: ScalarType.Float64).narrow(0, 1, k);
        double expected = -1 / t + Math.Log(Math.Exp(1 / t) + k);
        AssertClose(expected, MoCoLoss.Compute(q, q.clone(), queue, t).item<double>(), 1e-10, "closed form");
    }

    [Fact]
    public void Other_keys_of_the_batch_are_not_negatives()
    {
        // Changing key j != i leaves the loss of query i alone: with one query row swapped out, only
        // that row's term changes. Compare per-row via N = 1 batches.
        using var scope = torch.NewDisposeScope();
        var g = new Generator(3);
        var q = torch.randn(new long[] { 4, 6 }, ScalarType.Float64, generator: g);
        var k = torch.randn(new long[] { 4, 6 }, ScalarType.Float64, generator: g);
        var queue = nn.functional.normalize(torch.randn(new long[] { 10, 6 }, ScalarType.Float64, generator: g), dim: 1);
        double whole = MoCoLoss.Compute(q, k, queue).item<double>();
        double rows = Enumerable.Range(0, 4).Average(i => MoCoLoss.Compute(q.narrow(0, i, 1), k.narrow(0, i, 1), queue).item<double>());
        AssertClose(whole, rows, 1e-12, "mean of one-row losses");
    }

    [Fact]
    public void Invariant_to_the_scale_of_queries_and_keys_and_to_queue_order()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(4);
        var q = torch.randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        var k = torch.randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        var queue = nn.functional.normalize(torch.randn(new long[] { 7, 4 }, ScalarType.Float64, generator: g), dim: 1);
        double baseLoss = MoCoLoss.Compute(q, k, queue, 0.3).item<double>();
        AssertClose(baseLoss, MoCoLoss.Compute(q * 7.5, k * 0.01, queue, 0.3).item<double>(), 1e-10, "scaled");
        var perm = torch.tensor(new long[] { 6, 2, 0, 5, 1, 3, 4 });
        AssertClose(baseLoss, MoCoLoss.Compute(q, k, queue.index_select(0, perm), 0.3).item<double>(), 1e-10, "queue permuted");
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_messages()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var q = torch.randn(4, 3);
        var queue = torch.randn(8, 3);
        var ex = Assert.Throws<ArgumentException>(() => MoCoLoss.Compute(q, torch.randn(5, 3), queue));
        Assert.Contains("one shape", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MoCoLoss.Compute(q, q, torch.randn(8, 4)));
        Assert.Contains("queue", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MoCoLoss.Compute(torch.randn(4, 3, 1), torch.randn(4, 3, 1), queue));
        Assert.Contains("[N, D]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => MoCoLoss.Compute(q, q, queue, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MoCoLoss.Compute(q, q, queue, double.NaN));
        var bad = q.clone();
        bad[0, 0] = torch.tensor(float.NaN);
        ex = Assert.Throws<ArgumentException>(() => MoCoLoss.Compute(bad, q, queue));
        Assert.Contains("NaN", ex.Message);
    }
}
