using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;

namespace SslSharp.Tests.Losses;

public class DINOLossTests
{
    public static IEnumerable<object[]> Cases() => F.Names("dino");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_loss_gradient_and_center_update(string name)
    {
        var c = F.Case("dino", name);
        long n = c.GetProperty("n").GetInt64(), k = c.GetProperty("k").GetInt64();
        int crops = c.GetProperty("ncrops").GetInt32();
        using var scope = torch.NewDisposeScope();
        var student = F.Tensor(c.GetProperty("student"), crops * n, k).requires_grad_(true);
        var teacher = F.Tensor(c.GetProperty("teacher"), 2 * n, k).requires_grad_(true);
        var center = F.Tensor(c.GetProperty("center"), 1, k);
        var loss = DINOLoss.Compute(student.chunk(crops, 0), teacher.chunk(2, 0), center,
            c.GetProperty("teacher_temp").GetDouble(), c.GetProperty("student_temp").GetDouble());
        loss.backward();
        F.AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, name);
        F.AssertAllClose(F.Doubles(c.GetProperty("grad_student")), student.grad!, 1e-5, "dL/dstudent");
        Assert.True(teacher.grad is null, "no gradient may reach the teacher outputs");
        var updated = DINOLoss.UpdatedCenter(center, teacher, c.GetProperty("center_momentum").GetDouble());
        Assert.Equal(new long[] { 1, k }, updated.shape);
        F.AssertAllClose(F.Doubles(c.GetProperty("new_center")), updated, 1e-5, "center");
        Assert.False(updated.requires_grad);
    }

    [Fact]
    public void Two_crops_is_the_average_of_the_two_cross_entropies()
    {
        // Hand-derived: with V = G = 2 the only pairs are (teacher 0, student 1) and (teacher 1, student 0).
        using var scope = torch.NewDisposeScope();
        var g = new Generator(3);
        var s = Enumerable.Range(0, 2).Select(_ => torch.randn(new long[] { 4, 6 }, generator: g, dtype: ScalarType.Float64)).ToArray();
        var t = Enumerable.Range(0, 2).Select(_ => torch.randn(new long[] { 4, 6 }, generator: g, dtype: ScalarType.Float64)).ToArray();
        var c = torch.randn(new long[] { 1, 6 }, generator: g, dtype: ScalarType.Float64);
        double Ce(Tensor teacher, Tensor student) =>
            -(torch.softmax((teacher - c) / 0.05, 1) * torch.nn.functional.log_softmax(student / 0.2, 1)).sum(1).mean().item<double>();
        double expected = (Ce(t[0], s[1]) + Ce(t[1], s[0])) / 2;
        Assert.Equal(expected, DINOLoss.Compute(s, t, c, 0.05, 0.2).item<double>(), 10);
    }

    [Fact]
    public void The_center_is_a_convex_combination_of_the_old_center_and_the_batch_mean()
    {
        using var scope = torch.NewDisposeScope();
        var c = torch.tensor(new double[] { 1, -2, 3 }).reshape(1, 3);
        var t = torch.tensor(new double[] { 0, 0, 0, 2, 4, 6 }).reshape(2, 3);   // mean (1, 2, 3)
        var updated = DINOLoss.UpdatedCenter(c, t, 0.9);
        var expected = new[] { 0.9 * 1 + 0.1 * 1, 0.9 * -2 + 0.1 * 2, 0.9 * 3 + 0.1 * 3 };
        F.AssertAllClose(expected, updated, 1e-12, "center");
        Assert.True(DINOLoss.UpdatedCenter(c, t, 1.0).allclose(c, 0, 0));
    }

    [Fact]
    public void Teacher_targets_are_a_detached_distribution()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.randn(5, 7).requires_grad_(true);
        var q = DINOLoss.TeacherProbabilities(t, torch.zeros(1, 7), 0.04);
        Assert.False(q.requires_grad);
        Assert.True(q.sum(1).allclose(torch.ones(5), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Bad_inputs_fail_clearly()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(4, 8);
        var c = torch.zeros(1, 8);
        var ex = Assert.Throws<ArgumentException>(() => DINOLoss.Compute(new[] { a }, new[] { a }, c));
        Assert.Contains("at least 2 global crops", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => DINOLoss.Compute(new[] { a, torch.randn(4, 9) }, new[] { a }, c));
        Assert.Contains("one shape", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => DINOLoss.Compute(new[] { a, a }, new[] { a, a }, torch.zeros(1, 5)));
        Assert.Contains("center", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DINOLoss.Compute(new[] { a, a }, new[] { a, a }, c, teacherTemperature: 0));
        ex = Assert.Throws<ArgumentException>(() => DINOLoss.Compute(new[] { a, a / 0 }, new[] { a, a }, c));
        Assert.Contains("NaN", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DINOLoss.UpdatedCenter(c, a, 1.5));
        Assert.Throws<ArgumentException>(() => DINOLoss.UpdatedCenter(c, torch.randn(4, 3)));
    }
}
