using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;
using M = SslSharp.Tests.Losses.MimFixtures;

namespace SslSharp.Tests.Losses;

public class MAELossTests
{
    public static IEnumerable<object[]> Cases() => M.Names("mae");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_loss_and_gradient_with_and_without_norm_pix(string name)
    {
        var c = M.Case("mae", name);
        long n = M.Int(c, "n"), ch = M.Int(c, "c"), size = M.Int(c, "size"), p = M.Int(c, "p");
        long l = (size / p) * (size / p), d = p * p * ch;
        using var scope = torch.NewDisposeScope();
        var images = M.Tensor(c, "images", n, ch, size, size).requires_grad_(true);
        var pred = M.Tensor(c, "pred", n, l, d).requires_grad_(true);
        var mask = M.Tensor(c, "mask", n, l).to_type(ScalarType.Float32);   // as TokenMask.Mask
        var loss = MAELoss.Compute(pred, Patches.Patchify(images, (int)p), mask, c.GetProperty("norm_pix").GetBoolean());
        loss.backward();
        F.AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-6, name);
        F.AssertAllClose(M.Doubles(c, "grad_pred"), pred.grad!, 1e-6, "dL/dpred");
        Assert.True(images.grad is null, "no gradient may reach the pixels (the target)");
        // The visible patches carry no gradient: the mean runs over masked patches only.
        Assert.True(pred.grad!.mul((1 - mask).to_type(ScalarType.Float64).unsqueeze(-1)).abs().max().item<double>() == 0);
        // And it is not the mean over all patches (the reference's value differs by more than the tolerance).
        Assert.True(Math.Abs(loss.item<double>() - c.GetProperty("loss_all_patches").GetDouble()) > 1e-3);
    }

    [Fact]
    public void A_boolean_mask_gives_the_same_loss()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(2);
        var pred = torch.randn(new long[] { 2, 6, 4 }, generator: g);
        var target = torch.randn(new long[] { 2, 6, 4 }, generator: g);
        var mask = torch.rand(new long[] { 2, 6 }, generator: g).gt(0.5);
        var a = MAELoss.Compute(pred, target, mask, normPixLoss: true);
        var b = MAELoss.Compute(pred, target, mask.to_type(ScalarType.Float32), normPixLoss: true);
        Assert.Equal(a.item<float>(), b.item<float>(), 6);
    }

    [Fact]
    public void Norm_pix_targets_have_zero_mean_and_unit_unbiased_variance_per_patch()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.randn(new long[] { 3, 5, 12 }, generator: new Generator(4), dtype: ScalarType.Float64) * 4 + 2;
        var z = MAELoss.NormalizedTarget(t, eps: 0);
        Assert.True(z.mean(new long[] { -1 }).abs().max().item<double>() < 1e-12);
        Assert.True((z.var(-1, unbiased: true) - 1).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void Bad_inputs_fail_clearly()
    {
        using var debugChecks = LossChecks.DebugScope();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(2, 4, 6);
        var mask = torch.ones(2, 4);
        var e = Assert.Throws<ArgumentException>(() => MAELoss.Compute(x, torch.randn(2, 4, 5), mask));
        Assert.Contains("one shape", e.Message);
        e = Assert.Throws<ArgumentException>(() => MAELoss.Compute(x, x, torch.ones(2, 5)));
        Assert.Contains("[N, L] = [2, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => MAELoss.Compute(x, x, torch.zeros(2, 4)));
        Assert.Contains("no masked patch", e.Message);
        e = Assert.Throws<ArgumentException>(() => MAELoss.Compute(torch.randn(2, 4, 1), torch.randn(2, 4, 1), mask, normPixLoss: true));
        Assert.Contains("at least 2 values per patch", e.Message);
        e = Assert.Throws<ArgumentException>(() => MAELoss.Compute(x / 0, x, mask));
        Assert.Contains("NaN", e.Message);
    }
}
