using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.DclDmlWmseFixture;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class CrossViewInfoNCELossTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("directclr");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_the_directclr_reference_loss_and_gradients(string name)
    {
        var c = Case("directclr", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        using var scope = torch.NewDisposeScope();
        var z1 = Matrix(c.GetProperty("z1"), n, d);
        var z2 = Matrix(c.GetProperty("z2"), n, d);
        var loss = CrossViewInfoNCELoss.Compute(z1, z2, c.GetProperty("temperature").GetDouble());
        loss.backward();
        AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, name);
        AssertGrad(c.GetProperty("grad_z1"), z1.grad, name + " dL/dz1");
        AssertGrad(c.GetProperty("grad_z2"), z2.grad, name + " dL/dz2");
    }

    [Theory]
    [InlineData(2, 0.1)]
    [InlineData(6, 1.0)]
    public void Identical_orthonormal_views_give_the_closed_form(int n, double t)
    {
        // Cross-view logits only: 1/T on the diagonal, N-1 zeros: L = -1/T + log(e^{1/T} + N - 1).
        using var scope = torch.NewDisposeScope();
        var z = torch.eye(n, n + 1, dtype: ScalarType.Float64);
        AssertClose(-1 / t + Math.Log(Math.Exp(1 / t) + n - 1), CrossViewInfoNCELoss.Compute(z, z.clone(), t).item<double>(), 1e-10, "closed form");
    }

    [Fact]
    public void Symmetric_and_scale_invariant()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(31);
        var z1 = torch.randn(new long[] { 6, 4 }, ScalarType.Float64, generator: g);
        var z2 = torch.randn(new long[] { 6, 4 }, ScalarType.Float64, generator: g);
        double l = CrossViewInfoNCELoss.Compute(z1, z2).item<double>();
        AssertClose(l, CrossViewInfoNCELoss.Compute(z2, z1).item<double>(), 1e-12, "swap");
        AssertClose(l, CrossViewInfoNCELoss.Compute(z1 * 7.5, z2 * 0.01).item<double>(), 1e-10, "scale");
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_messages()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => CrossViewInfoNCELoss.Compute(torch.randn(1, 3), torch.randn(1, 3))).Message);
        Assert.Contains("one shape", Assert.Throws<ArgumentException>(() => CrossViewInfoNCELoss.Compute(torch.randn(4, 3), torch.randn(4, 2))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossViewInfoNCELoss.Compute(torch.randn(4, 3), torch.randn(4, 3), 0));
    }
}
