using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;
using M = SslSharp.Tests.Losses.MimFixtures;

namespace SslSharp.Tests.Losses;

public class IBOTPatchLossTests
{
    public static IEnumerable<object[]> Cases() => M.Names("ibot");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_loss_gradient_and_centre_update(string name)
    {
        var c = M.Case("ibot", name);
        long n = M.Int(c, "n"), l = M.Int(c, "l"), k = M.Int(c, "k");
        int crops = (int)M.Int(c, "crops");
        using var scope = torch.NewDisposeScope();
        var student = M.Tensor(c, "student", crops * n, l, k).requires_grad_(true);
        var teacher = M.Tensor(c, "teacher", crops * n, l, k).requires_grad_(true);
        var center = M.Tensor(c, "center", 1, 1, k);
        var masks = c.GetProperty("masks").EnumerateArray()
            .Select(e => F.Tensor(e, n, l).to_type(ScalarType.Bool)).ToArray();
        var loss = IBOTPatchLoss.Compute(student.chunk(crops, 0), teacher.chunk(crops, 0), masks, center,
            c.GetProperty("teacher_temp").GetDouble(), c.GetProperty("student_temp").GetDouble());
        loss.backward();
        F.AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-6, name);
        F.AssertAllClose(M.Doubles(c, "grad_student"), student.grad!, 1e-6, "dL/dstudent");
        Assert.True(teacher.grad is null, "no gradient may reach the teacher outputs");
        // Only masked patches get a gradient.
        var masked = torch.cat(masks, 0).unsqueeze(-1).to_type(ScalarType.Float64);
        Assert.Equal(0.0, student.grad!.mul(1 - masked).abs().max().item<double>());
        var updated = IBOTPatchLoss.UpdatedCenter(center, teacher, c.GetProperty("center_momentum").GetDouble());
        Assert.Equal(new long[] { 1, 1, k }, updated.shape);
        F.AssertAllClose(M.Doubles(c, "new_center"), updated, 1e-6, "centre");
        Assert.False(updated.requires_grad);
    }

    [Fact]
    public void An_image_without_masked_patches_adds_zero_but_counts_in_the_mean_over_images()
    {
        // Hand-derived: image 0 has two masked patches, image 1 none. L = mean(e[0, masked]) / 2.
        using var scope = torch.NewDisposeScope();
        var g = new Generator(8);
        var s = torch.randn(new long[] { 2, 3, 4 }, generator: g, dtype: ScalarType.Float64);
        var t = torch.randn(new long[] { 2, 3, 4 }, generator: g, dtype: ScalarType.Float64);
        var c = torch.zeros(4, dtype: ScalarType.Float64);
        var mask = torch.tensor(new[] { true, false, true, false, false, false }, new long[] { 2, 3 });
        var e = -(torch.softmax(t / 0.05, -1) * torch.nn.functional.log_softmax(s / 0.2, -1)).sum(-1);   // [2, 3]
        double expected = (e[0, 0].item<double>() + e[0, 2].item<double>()) / 2 / 2;
        Assert.Equal(expected, IBOTPatchLoss.Compute(s, t, mask, c, 0.05, 0.2).item<double>(), 10);
    }

    [Fact]
    public void Bad_inputs_fail_clearly()
    {
        using var debugChecks = LossChecks.DebugScope();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(2, 5, 6);
        var mask = torch.ones(2, 5).to_type(ScalarType.Bool);
        var c = torch.zeros(1, 1, 6);
        var e = Assert.Throws<ArgumentException>(() => IBOTPatchLoss.Compute(x, torch.randn(2, 5, 7), mask, c));
        Assert.Contains("one shape", e.Message);
        e = Assert.Throws<ArgumentException>(() => IBOTPatchLoss.Compute(x, x, torch.ones(2, 4), c));
        Assert.Contains("[N, L] = [2, 5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => IBOTPatchLoss.Compute(x, x, mask, torch.zeros(1, 1, 3)));
        Assert.Contains("centre", e.Message);
        e = Assert.Throws<ArgumentException>(() => IBOTPatchLoss.Compute(new[] { x, x }, new[] { x }, new[] { mask }, c));
        Assert.Contains("per global crop", e.Message);
        e = Assert.Throws<ArgumentException>(() => IBOTPatchLoss.Compute(x / 0, x, mask, c));
        Assert.Contains("NaN", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => IBOTPatchLoss.Compute(x, x, mask, c, teacherTemperature: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => IBOTPatchLoss.UpdatedCenter(c, x, 1.5));
        Assert.Throws<ArgumentException>(() => IBOTPatchLoss.UpdatedCenter(c, torch.randn(2, 5, 3)));
    }
}
