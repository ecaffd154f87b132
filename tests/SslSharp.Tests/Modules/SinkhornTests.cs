using SslSharp.Modules;
using TorchSharp;
using static SslSharp.Tests.Losses.CorrSwavFixture;
using static TorchSharp.torch;

namespace SslSharp.Tests.Modules;

public class SinkhornTests
{
    public static IEnumerable<object[]> FixtureNames() => Names("sinkhorn");

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_the_reference_distributed_sinkhorn(string name)
    {
        var c = Case("sinkhorn", name);
        long b = Long(c, "b"), k = Long(c, "k");
        using var scope = torch.NewDisposeScope();
        var scores = Tensor(c.GetProperty("scores"), b, k);
        var q = Sinkhorn.Compute(scores, Double(c, "epsilon"), (int)Long(c, "iterations"));
        Assert.Equal(new[] { b, k }, q.shape);
        AssertAllClose(c.GetProperty("q"), q, 1e-5, $"{name} Q");
        // float32 input: the same codes to single precision.
        var q32 = Sinkhorn.Compute(scores.to_type(ScalarType.Float32), Double(c, "epsilon"), (int)Long(c, "iterations"));
        Assert.Equal(ScalarType.Float32, q32.dtype);
        AssertAllClose(c.GetProperty("q"), q32, 1e-4, $"{name} Q float32");
    }

    [Fact]
    public void Rows_sum_to_one_and_columns_approach_B_over_K()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(1);
        var z = nn.functional.normalize(torch.randn(new long[] { 32, 8 }, ScalarType.Float64, generator: g), dim: 1);
        var c = nn.functional.normalize(torch.randn(new long[] { 16, 8 }, ScalarType.Float64, generator: g), dim: 1);
        var scores = z.mm(c.t());
        var q = Sinkhorn.Compute(scores);
        Assert.True(q.sum(1).allclose(torch.ones(32, ScalarType.Float64), rtol: 0, atol: 1e-12), "every sample's codes sum to 1");
        Assert.True((q >= 0).all().item<bool>());
        // After 3 iterations the prototype marginals are roughly, with many exactly, B / K = 2.
        var cols3 = q.sum(0L);
        var many = Sinkhorn.Compute(scores, iterations: 500).sum(0L);
        double err3 = (cols3 - 2).abs().max().item<double>();
        double errMany = (many - 2).abs().max().item<double>();
        Assert.True(errMany < 1e-6, $"columns after 500 iterations deviate by {errMany}");
        Assert.True(errMany < err3, $"more iterations must balance better ({errMany} vs {err3})");
        Assert.InRange(cols3.sum().item<double>(), 32 - 1e-9, 32 + 1e-9);
    }

    [Fact]
    public void Equal_scores_give_uniform_codes_and_a_global_shift_changes_nothing()
    {
        using var scope = torch.NewDisposeScope();
        var q = Sinkhorn.Compute(torch.zeros(6, 4, ScalarType.Float64));
        var quarter = torch.full(new long[] { 6, 4 }, 0.25, ScalarType.Float64);
        Assert.True(q.allclose(quarter, rtol: 0, atol: 1e-15), q.ToString(TorchSharp.TensorStringStyle.Julia));
        var g = new Generator(2);
        var s = torch.rand(new long[] { 5, 7 }, ScalarType.Float64, generator: g) * 2 - 1;
        var shifted = Sinkhorn.Compute(s + 0.7);
        Assert.True(Sinkhorn.Compute(s).allclose(shifted, rtol: 1e-10, atol: 1e-12),
            $"{Sinkhorn.Compute(s).ToString(TorchSharp.TensorStringStyle.Julia)} vs {shifted.ToString(TorchSharp.TensorStringStyle.Julia)}");
        // A large offset would overflow exp(scores / eps) in float32 (e^2000); the maximum is subtracted first.
        var far = Sinkhorn.Compute((s + 100).to_type(ScalarType.Float32));
        Assert.True(far.isfinite().all().item<bool>());
        Assert.True(far.to_type(ScalarType.Float64).allclose(Sinkhorn.Compute(s), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Codes_carry_no_gradient_even_from_inputs_that_require_it()
    {
        using var scope = torch.NewDisposeScope();
        var s = torch.randn(4, 3).requires_grad_(true);
        var q = Sinkhorn.Compute(s);
        Assert.False(q.requires_grad);
        Assert.Null(s.grad);
    }

    [Fact]
    public void Bad_input_fails_clearly()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => Sinkhorn.Compute(torch.randn(4)));
        Assert.Throws<ArgumentException>(() => Sinkhorn.Compute(torch.ones(new long[] { 4, 3 }, ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => Sinkhorn.Compute(torch.empty(0, 3)));
        var ex = Assert.Throws<ArgumentException>(() => Sinkhorn.Compute(torch.full(2, 3, double.NaN)));
        Assert.Contains("fp32", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sinkhorn.Compute(torch.randn(4, 3), epsilon: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sinkhorn.Compute(torch.randn(4, 3), iterations: 0));
    }
}
