using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.MoCoNnclrFixtures;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class NNCLRLossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("nnclr");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_pytorch_reference_neighbours_loss_and_gradients(string name)
    {
        var c = Case("nnclr", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64(), k = c.GetProperty("k").GetInt64();
        using var scope = torch.NewDisposeScope();
        var z1 = Matrix(c, "z1", n, d, grad: true);
        var z2 = Matrix(c, "z2", n, d, grad: true);
        var p1 = Matrix(c, "p1", n, d, grad: true);
        var p2 = Matrix(c, "p2", n, d, grad: true);
        var support = Matrix(c, "support", k, d);
        Assert.Equal(c.GetProperty("nn1").EnumerateArray().Select(x => x.GetInt64()), NNCLRLoss.NearestNeighbourIndices(z1, support).data<long>().ToArray());
        Assert.Equal(c.GetProperty("nn2").EnumerateArray().Select(x => x.GetInt64()), NNCLRLoss.NearestNeighbourIndices(z2, support).data<long>().ToArray());
        var loss = NNCLRLoss.Compute(z1, z2, p1, p2, support, c.GetProperty("temperature").GetDouble());
        loss.backward();
        AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, $"{name} loss");
        AssertGradient(c, "grad_p1", p1.grad!, $"{name} dL/dp1");
        AssertGradient(c, "grad_p2", p2.grad!, $"{name} dL/dp2");
        // No gradient flows through the nearest-neighbour lookup.
        Assert.True(z1.grad is null || z1.grad.abs().sum().item<double>() == 0, "z1 got a gradient through NN()");
        Assert.True(z2.grad is null || z2.grad.abs().sum().item<double>() == 0, "z2 got a gradient through NN()");
    }

    [Fact]
    public void Nearest_neighbour_of_a_support_row_is_itself_whatever_its_scale()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(6);
        var support = nn.functional.normalize(torch.randn(new long[] { 20, 8 }, generator: g), dim: 1);
        var idx = torch.tensor(new long[] { 3, 17, 0, 3 });
        var z = support.index_select(0, idx) * torch.tensor(new float[] { 2, 0.5f, 9, 1 }).unsqueeze(1);
        Assert.Equal(new long[] { 3, 17, 0, 3 }, NNCLRLoss.NearestNeighbourIndices(z, support).data<long>().ToArray());
        Assert.True(NNCLRLoss.NearestNeighbours(z, support).allclose(support.index_select(0, idx)));
        Assert.False(NNCLRLoss.NearestNeighbours(z.requires_grad_(true), support).requires_grad);
    }

    [Fact]
    public void Symmetric_in_the_two_views()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(7);
        var x = Enumerable.Range(0, 4).Select(_ => torch.randn(new long[] { 6, 5 }, ScalarType.Float64, generator: g)).ToArray();
        var support = nn.functional.normalize(torch.randn(new long[] { 12, 5 }, ScalarType.Float64, generator: g), dim: 1);
        AssertClose(NNCLRLoss.Compute(x[0], x[1], x[2], x[3], support, 0.1).item<double>(),
            NNCLRLoss.Compute(x[1], x[0], x[3], x[2], support, 0.1).item<double>(), 1e-12, "swapped views");
    }

    [Fact]
    public void With_the_views_in_the_support_set_it_is_the_cross_view_infonce()
    {
        // If the support set holds exactly norm(z1) and norm(z2) rows, NN(z) = norm(z), so the loss is
        // 1/2 InfoNCE(z1, p2) + 1/2 InfoNCE(z2, p1).
        using var scope = torch.NewDisposeScope();
        var g = new Generator(8);
        var z1 = torch.randn(new long[] { 5, 16 }, ScalarType.Float64, generator: g);
        var z2 = torch.randn(new long[] { 5, 16 }, ScalarType.Float64, generator: g);
        var p1 = torch.randn(new long[] { 5, 16 }, ScalarType.Float64, generator: g);
        var p2 = torch.randn(new long[] { 5, 16 }, ScalarType.Float64, generator: g);
        var support = nn.functional.normalize(torch.cat(new[] { z2, z1 }, 0), dim: 1);
        double expected = 0.5 * CrossViewInfoNCELoss.OneDirection(z1, p2, 0.2).item<double>() + 0.5 * CrossViewInfoNCELoss.OneDirection(z2, p1, 0.2).item<double>();
        AssertClose(expected, NNCLRLoss.Compute(z1, z2, p1, p2, support, 0.2).item<double>(), 1e-12, "NN = self");
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_messages()
    {
        using var scope = torch.NewDisposeScope();
        var ok = torch.randn(4, 3);
        var support = torch.randn(8, 3);
        var ex = Assert.Throws<ArgumentException>(() => NNCLRLoss.Compute(ok, ok, ok, ok, torch.randn(8, 5)));
        Assert.Contains("support", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => NNCLRLoss.Compute(ok, ok, ok, torch.randn(3, 3), support));
        Assert.Contains("one shape", ex.Message);
        var one = torch.randn(1, 3);
        ex = Assert.Throws<ArgumentException>(() => NNCLRLoss.Compute(one, one, one, one, support));
        Assert.Contains("at least 2", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => NNCLRLoss.Compute(ok, ok, ok, ok, support, 0));
    }
}
