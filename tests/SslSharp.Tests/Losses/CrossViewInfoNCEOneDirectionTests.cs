using SslSharp.Losses;
using TorchSharp;
using static SslSharp.Tests.Losses.MoCoNnclrFixtures;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class CrossViewInfoNCEOneDirectionTests
{
    [Fact]
    public void Is_half_of_a_moco_v3_direction_divided_by_T()
    {
        // The fixture's MoCo v3 loss at T is ctr(q1,k2) + ctr(q2,k1) with ctr = 2T * InfoNCE.
        var c = Case("mocov3", "n4_d8_t1.0");
        double t = c.GetProperty("temperature").GetDouble();
        using var scope = torch.NewDisposeScope();
        var q1 = Matrix(c, "q1", 4, 8);
        var q2 = Matrix(c, "q2", 4, 8);
        var k1 = Matrix(c, "k1", 4, 8);
        var k2 = Matrix(c, "k2", 4, 8);
        double sum = CrossViewInfoNCELoss.OneDirection(q1, k2, t).item<double>() + CrossViewInfoNCELoss.OneDirection(q2, k1, t).item<double>();
        AssertClose(c.GetProperty("loss").GetDouble(), 2 * t * sum, 1e-5, "2T x (InfoNCE + InfoNCE)");
    }

    [Fact]
    public void Offset_selects_the_positive_column()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(9);
        var candidates = torch.randn(new long[] { 6, 4 }, ScalarType.Float64, generator: g);
        var anchors = candidates.narrow(0, 2, 2).clone();
        double right = CrossViewInfoNCELoss.OneDirection(anchors, candidates, 0.1, offset: 2).item<double>();
        double wrong = CrossViewInfoNCELoss.OneDirection(anchors, candidates, 0.1, offset: 0).item<double>();
        Assert.True(right < wrong, $"offset 2 (the anchors' own rows) should give a lower loss: {right} vs {wrong}");
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossViewInfoNCELoss.OneDirection(anchors, candidates, 0.1, offset: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossViewInfoNCELoss.OneDirection(anchors, candidates, 0.1, offset: -1));
    }

    [Fact]
    public void Random_pairs_in_high_dimension_give_about_log_N()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(10);
        var a = torch.randn(new long[] { 16, 4096 }, ScalarType.Float64, generator: g);
        var b = torch.randn(new long[] { 16, 4096 }, ScalarType.Float64, generator: g);
        Assert.InRange(CrossViewInfoNCELoss.OneDirection(a, b, 1.0).item<double>(), Math.Log(16) - 0.05, Math.Log(16) + 0.05);
    }
}
