using SslSharp.Heads;
using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.CorrSwavFixture;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class SwAVLossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("swav");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_pytorch_reference_from_embeddings_and_prototypes(string name)
    {
        // The reference normalises the prototype rows in place, normalises the crops' embeddings, scores them,
        // and differentiates w.r.t. the raw embeddings and the (normalised) prototype weight. Here the same path
        // runs through SslSharp's Prototypes head and SwAVLoss.
        var c = Case("swav", name);
        long b = Long(c, "b"), d = Long(c, "d"), k = Long(c, "k");
        int crops = 2 + (int)Long(c, "local_crops");
        using var scope = torch.NewDisposeScope();
        var zs = c.GetProperty("z").EnumerateArray().Select(e => Tensor(e, b, d).requires_grad_(true)).ToArray();
        Assert.Equal(crops, zs.Length);
        using var prototypes = new Prototypes((int)d, (int)k);
        prototypes.to(ScalarType.Float64);
        using (torch.no_grad()) prototypes.Weight.copy_(Tensor(c.GetProperty("prototypes"), k, d));
        prototypes.NormalizeRows();
        var scores = zs.Select(z => prototypes.call(nn.functional.normalize(z, p: 2, dim: 1))).ToArray();
        Tensor?[]? queueScores = null;
        if (c.GetProperty("queues").ValueKind != System.Text.Json.JsonValueKind.Null)
        {
            long ql = Long(c, "queue_length");
            using var noGrad = torch.no_grad();
            queueScores = c.GetProperty("queues").EnumerateArray().Select(e => (Tensor?)prototypes.call(Tensor(e, ql, d))).ToArray();
        }
        var loss = SwAVLoss.Compute(scores, Double(c, "temperature"), Double(c, "epsilon"), (int)Long(c, "iterations"), 2, queueScores);
        loss.backward();
        AssertClose(Double(c, "loss"), loss.item<double>(), 1e-5, $"{name} loss");
        var grads = c.GetProperty("grad_z").EnumerateArray().ToArray();
        for (int v = 0; v < crops; v++) AssertAllClose(grads[v], zs[v].grad!, 1e-5, $"{name} dL/dz{v}");
        AssertAllClose(c.GetProperty("grad_prototypes"), prototypes.Weight.grad!, 1e-5, $"{name} dL/dC");
    }

    [Fact]
    public void The_queue_changes_the_codes_and_so_the_loss()
    {
        var c = Case("swav", "b6_d8_k12_2+2crops_queue12");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var g = new Generator(3);
        var scores = Enumerable.Range(0, 4).Select(_ => torch.rand(new long[] { 6, 12 }, ScalarType.Float64, generator: g) * 2 - 1).ToArray();
        var queue = torch.rand(new long[] { 12, 12 }, ScalarType.Float64, generator: g) * 2 - 1;
        double without = SwAVLoss.Compute(scores).item<double>();
        double with = SwAVLoss.Compute(scores, queueScores: new Tensor?[] { queue, queue }).item<double>();
        double half = SwAVLoss.Compute(scores, queueScores: new Tensor?[] { queue, null }).item<double>();
        Assert.NotEqual(without, with, 8);
        Assert.NotEqual(without, half, 8);
        Assert.NotEqual(with, half, 8);
        Assert.Equal(6, Long(c, "b"));
    }

    [Fact]
    public void Gradient_flows_only_through_the_predicting_crops_not_the_codes()
    {
        // With two crops, crop 0's scores receive gradient only as the predictor of crop 1's codes. If the
        // codes carried gradient, d/ds0 would gain a second term; compare with a loss built from detached codes.
        using var scope = torch.NewDisposeScope();
        var g = new Generator(4);
        var s0 = (torch.rand(new long[] { 5, 6 }, ScalarType.Float64, generator: g) * 2 - 1).requires_grad_(true);
        var s1 = (torch.rand(new long[] { 5, 6 }, ScalarType.Float64, generator: g) * 2 - 1).requires_grad_(true);
        SwAVLoss.Compute(new[] { s0, s1 }).backward();
        var q0 = SslSharp.Modules.Sinkhorn.Compute(s0.detach());
        var q1 = SslSharp.Modules.Sinkhorn.Compute(s1.detach());
        var a0 = s0.detach().clone().requires_grad_(true);
        var a1 = s1.detach().clone().requires_grad_(true);
        var manual = (q0 * nn.functional.log_softmax(a1 / 0.1, 1)).sum(1).mean().neg()
                     .add((q1 * nn.functional.log_softmax(a0 / 0.1, 1)).sum(1).mean().neg()).div(2);
        manual.backward();
        Assert.True(s0.grad!.allclose(a0.grad!, rtol: 1e-10, atol: 1e-12));
        Assert.True(s1.grad!.allclose(a1.grad!, rtol: 1e-10, atol: 1e-12));
        // Queue scores never get a gradient.
        var queue = torch.rand(new long[] { 10, 6 }, ScalarType.Float64, generator: g).requires_grad_(true);
        SwAVLoss.Compute(new[] { s0, s1 }, queueScores: new Tensor?[] { queue, queue }).backward();
        Assert.Null(queue.grad);
    }

    [Fact]
    public void Bad_input_fails_clearly()
    {
        using var scope = torch.NewDisposeScope();
        var s = torch.randn(4, 5);
        Assert.Throws<ArgumentException>(() => SwAVLoss.Compute(new[] { s }));
        var ex = Assert.Throws<ArgumentException>(() => SwAVLoss.Compute(new[] { s, torch.randn(4, 6) }));
        Assert.Contains("one shape", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SwAVLoss.Compute(new[] { s, s }, temperature: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SwAVLoss.Compute(new[] { s, s }, assignedCrops: 3));
        Assert.Throws<ArgumentException>(() => SwAVLoss.Compute(new[] { s, s }, queueScores: new Tensor?[] { torch.randn(8, 5) }));
        Assert.Throws<ArgumentException>(() => SwAVLoss.Compute(new[] { s, s }, queueScores: new Tensor?[] { torch.randn(8, 4), null }));
    }
}
