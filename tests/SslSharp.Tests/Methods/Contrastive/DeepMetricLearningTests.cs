using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Contrastive;
using TorchSharp;
using static SslSharp.Tests.Losses.DclDmlWmseFixture;
using static SslSharp.Tests.Methods.Contrastive.MethodTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

public class DeepMetricLearningTests
{
    private static DeepMetricLearning Tiny(MarginLossKind loss, NegativeMining mining = NegativeMining.Hardest, long seed = 0) =>
        new(TinyBackbone(seed), loss == MarginLossKind.Triplet
            ? new TripletOptions { Negatives = mining, HiddenDim = 32, OutputDim = 16, Seed = seed }
            : new ContrastiveMarginOptions { Negatives = mining, HiddenDim = 32, OutputDim = 16, Seed = seed });

    public static IEnumerable<object[]> MinedNames() => Names("mined");

    [Theory]
    [MemberData(nameof(MinedNames))]
    public void Batch_hard_and_semi_hard_mining_and_losses_match_the_pytorch_reference(string name)
    {
        var c = Case("mined", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        double margin = c.GetProperty("margin").GetDouble();
        using var scope = torch.NewDisposeScope();
        var z1 = Matrix(c.GetProperty("z1"), n, d, grad: false);
        var z2 = Matrix(c.GetProperty("z2"), n, d, grad: false);
        var hardest = BatchNegatives.Select(torch.cat(new[] { z1, z2 }, 0), NegativeMining.Hardest);
        Assert.Equal(c.GetProperty("hardest").EnumerateArray().Select(x => x.GetInt64()).ToArray(), hardest.data<long>().ToArray());
        foreach (var (key, kind) in new[] { ("triplet", MarginLossKind.Triplet), ("contrastive", MarginLossKind.Contrastive) })
        {
            var a = z1.clone().requires_grad_(true);
            var b = z2.clone().requires_grad_(true);
            var loss = DeepMetricLearning.Compute(a, b, kind, margin, NegativeMining.Hardest);
            loss.backward();
            var e = c.GetProperty(key);
            AssertClose(e.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, $"{name} {key}");
            AssertGrad(e.GetProperty("grad_z1"), a.grad, $"{name} {key} dL/dz1");
            AssertGrad(e.GetProperty("grad_z2"), b.grad, $"{name} {key} dL/dz2");
        }
        var semiHard = BatchNegatives.Select(torch.cat(new[] { z1, z2 }, 0), NegativeMining.SemiHard);
        Assert.Equal(c.GetProperty("semihard").EnumerateArray().Select(x => x.GetInt64()).ToArray(), semiHard.data<long>().ToArray());
        var s1 = z1.clone().requires_grad_(true);
        var s2 = z2.clone().requires_grad_(true);
        var semiLoss = DeepMetricLearning.Compute(s1, s2, MarginLossKind.Triplet, margin, NegativeMining.SemiHard);
        semiLoss.backward();
        var t = c.GetProperty("triplet_semihard");
        AssertClose(t.GetProperty("loss").GetDouble(), semiLoss.item<double>(), 1e-5, $"{name} semi-hard triplet");
        AssertGrad(t.GetProperty("grad_z1"), s1.grad, $"{name} semi-hard dL/dz1");
        AssertGrad(t.GetProperty("grad_z2"), s2.grad, $"{name} semi-hard dL/dz2");
    }

    [Fact]
    public void Semi_hard_negatives_are_farther_than_the_positive_when_one_exists()
    {
        using var scope = torch.NewDisposeScope();
        // N = 3 on a line: image 0 at 0 and 0.4, image 1 at 1 and 3, image 2 at 10 and 10.2.
        var anchors = torch.tensor(new float[] { 0f, 1f, 10f, 0.4f, 3f, 10.2f }).reshape(6, 1);
        var got = BatchNegatives.Select(anchors, NegativeMining.SemiHard).data<long>().ToArray();
        // Row 0 (x 0, positive 0.4): the nearest other image farther than 0.4 is x 1 (row 1). Row 1 (x 1, positive 3,
        // d 2): others 0 (1), 0.4 (0.6), 10 (9), 10.2 (9.2) -> 10 (row 2), not the hardest 0.4. Row 2 (x 10, positive
        // 10.2): 3 (row 4). Row 3 (x 0.4, positive 0): 1 (row 1). Row 4 (x 3, positive 1, d 2): others 0 (3), 0.4 (2.6),
        // 10 (7), 10.2 (7.2) -> 0.4 (row 3). Row 5 (x 10.2, positive 10): 3 (row 4).
        Assert.Equal(new long[] { 1, 2, 4, 1, 3, 4 }, got);
        // No negative beyond the positive: the farthest one. Image 0's views are 0 and 100, the others lie between.
        var far = torch.tensor(new float[] { 0f, 1f, 2f, 100f, 1.5f, 2.5f }).reshape(6, 1);
        Assert.Equal(5, BatchNegatives.Select(far, NegativeMining.SemiHard).data<long>()[0]);
    }

    [Fact]
    public void Random_negatives_are_other_images_cover_both_views_and_repeat_with_the_seed()
    {
        using var scope = torch.NewDisposeScope();
        var anchors = torch.randn(10, 3);   // N = 5
        using var g1 = new Generator(3);
        using var g2 = new Generator(3);
        var counts = new int[10, 10];
        for (int rep = 0; rep < 400; rep++)
        {
            var a = BatchNegatives.Select(anchors, NegativeMining.Random, g1).data<long>().ToArray();
            var b = BatchNegatives.Select(anchors, NegativeMining.Random, g2).data<long>().ToArray();
            Assert.Equal(a, b);
            for (int i = 0; i < 10; i++)
            {
                Assert.NotEqual(i % 5, a[i] % 5);
                counts[i, a[i]]++;
            }
        }
        // Every one of the 8 candidates of every anchor is drawn (expected 50 times each).
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++)
                if (i % 5 != j % 5) Assert.InRange(counts[i, j], 20, 90);
        Assert.Throws<ArgumentException>(() => BatchNegatives.Select(anchors, NegativeMining.Random));
        Assert.Contains("N >= 2", Assert.Throws<ArgumentException>(() => BatchNegatives.Select(torch.randn(2, 3), NegativeMining.Hardest)).Message);
    }

    [Fact]
    public void Registry_builds_triplet_and_contrastive_margin_with_settings()
    {
        using var t = Assert.IsType<DeepMetricLearning>(MethodRegistry.Create("triplet", TinyBackbone()));
        Assert.Equal(MarginLossKind.Triplet, t.Loss);
        Assert.Equal(1.0, t.Margin);
        Assert.Equal(NegativeMining.Hardest, t.Mining);
        Assert.True(t.Normalize);
        Assert.Equal(128, t.Projector.OutputDim);
        using var c = Assert.IsType<DeepMetricLearning>(MethodRegistry.Create("contrastive-margin", TinyBackbone(), new MethodSettings(
            new Dictionary<string, string> { ["margin"] = "0.5", ["negatives"] = "random", ["normalize"] = "no" })));
        Assert.Equal(MarginLossKind.Contrastive, c.Loss);
        Assert.Equal(0.5, c.Margin);
        Assert.Equal(NegativeMining.Random, c.Mining);
        Assert.False(c.Normalize);
        Assert.Equal("ContrastiveMargin", c.GetName());
        using var semi = Assert.IsType<DeepMetricLearning>(MethodRegistry.Create("triplet", TinyBackbone(), new MethodSettings(
            new Dictionary<string, string> { ["negatives"] = "Semi_Hard" })));
        Assert.Equal(NegativeMining.SemiHard, semi.Mining);
        var bad = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("triplet", TinyBackbone(), new MethodSettings(
            new Dictionary<string, string> { ["negatives"] = "hard" })));
        Assert.Contains("hardest, semi-hard, random", bad.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeepMetricLearning(TinyBackbone(), new TripletOptions { Margin = 0 }));
    }

    [Theory]
    [InlineData(MarginLossKind.Triplet)]
    [InlineData(MarginLossKind.Contrastive)]
    public void Forward_uses_normalised_projections_is_symmetric_and_reaches_every_parameter(MarginLossKind kind)
    {
        using var m = Tiny(kind, seed: 1);
        m.eval();
        using (var scope = torch.NewDisposeScope())
        {
            using var views = Views(6, seed: 2, noise: 1.0);
            var output = m.call(views);
            Assert.False(output.Features.requires_grad);
            using var noGrad = torch.no_grad();
            var e1 = nn.functional.normalize(m.Projector.call(m.Encoder.call(views.Views[0])), dim: 1);
            var e2 = nn.functional.normalize(m.Projector.call(m.Encoder.call(views.Views[1])), dim: 1);
            Assert.Equal(DeepMetricLearning.Compute(e1, e2, kind, 1.0, NegativeMining.Hardest).item<float>(), output.Loss.item<float>(), 4);
            Assert.Equal(output.Loss.item<float>(), m.call(Swapped(views)).Loss.item<float>(), 5);
        }
        m.train();
        using var v = Views(8, seed: 3, noise: 1.0);
        AssertGradientReachesEveryParameter(m, v);
    }

    [Theory]
    [InlineData(MarginLossKind.Triplet, NegativeMining.Hardest)]
    [InlineData(MarginLossKind.Triplet, NegativeMining.Random)]
    [InlineData(MarginLossKind.Triplet, NegativeMining.SemiHard)]
    [InlineData(MarginLossKind.Contrastive, NegativeMining.Hardest)]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite(MarginLossKind kind, NegativeMining mining)
    {
        using var m = Tiny(kind, mining, seed: 7);
        var losses = SmokeTrain(m, steps: 30);
        // Measured falls (first 5 vs last 5 steps): triplet hardest 1.21 -> 0.97, triplet random 0.72 -> 0.32,
        // triplet semi-hard 0.96 -> 0.82, contrastive hardest 0.43 -> 0.27.
        double expectedFall = (kind, mining) switch
        {
            (MarginLossKind.Triplet, NegativeMining.Hardest or NegativeMining.SemiHard) => 0.1,
            (MarginLossKind.Triplet, _) => 0.2,
            _ => 0.08,
        };
        AssertFalls(losses, expectedFall);
    }

    [Fact]
    public void Checkpoint_round_trip()
    {
        AssertCheckpointRoundTrip(seed => Tiny(MarginLossKind.Triplet, NegativeMining.Random, seed));
    }

    [Fact]
    public void Too_small_batches_and_too_few_views_fail_clearly()
    {
        using var m = Tiny(MarginLossKind.Triplet);
        using var scope = torch.NewDisposeScope();
        using var one = Views(1);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => m.call(one)).Message);
        Assert.Throws<ArgumentException>(() => m.call(new ViewBatch(new[] { torch.randn(4, 1, 16, 16) })));
    }
}
