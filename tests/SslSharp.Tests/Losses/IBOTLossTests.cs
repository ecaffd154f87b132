using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;
using M = SslSharp.Tests.Losses.MimFixtures;

namespace SslSharp.Tests.Losses;

/// <summary>iBOT's whole loss ([CLS] across crops + masked patches within a crop) against an independent PyTorch
/// rewrite of <c>iBOTLoss.forward</c> (<c>scripts/make_mim_fixtures.py</c>, section <c>ibot_full</c>).</summary>
public class IBOTLossTests
{
    public static IEnumerable<object[]> Cases() => M.Names("ibot_full");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_loss_its_parts_gradients_and_both_centre_updates(string name)
    {
        var c = M.Case("ibot_full", name);
        long n = M.Int(c, "n"), l = M.Int(c, "l"), k = M.Int(c, "k");
        int g = (int)M.Int(c, "global_crops"), locals = (int)M.Int(c, "local_crops");
        using var scope = torch.NewDisposeScope();
        var studentCls = M.Tensor(c, "student_cls", (g + locals) * n, k).requires_grad_(true);
        var teacherCls = M.Tensor(c, "teacher_cls", g * n, k);
        var studentPatch = M.Tensor(c, "student_patch", g * n, l, k).requires_grad_(true);
        var teacherPatch = M.Tensor(c, "teacher_patch", g * n, l, k);
        var center = M.Tensor(c, "center", 1, k);
        var center2 = M.Tensor(c, "center2", 1, 1, k);
        var masks = c.GetProperty("masks").EnumerateArray().Select(e => F.Tensor(e, n, l).to_type(ScalarType.Bool)).ToArray();

        var (total, cls, patch) = IBOTLoss.Compute(studentCls.chunk(g + locals, 0), teacherCls.chunk(g, 0), studentPatch.chunk(g, 0),
            teacherPatch.chunk(g, 0), masks, center, center2, c.GetProperty("teacher_temp").GetDouble(),
            c.GetProperty("teacher_patch_temp").GetDouble(), c.GetProperty("student_temp").GetDouble(),
            c.GetProperty("lambda1").GetDouble(), c.GetProperty("lambda2").GetDouble());
        total.backward();

        F.AssertClose(c.GetProperty("loss").GetDouble(), total.item<double>(), 1e-6, name);
        F.AssertClose(c.GetProperty("loss_cls").GetDouble(), c.GetProperty("lambda1").GetDouble() * cls.item<double>(), 1e-6, "cls part");
        F.AssertClose(c.GetProperty("loss_patch").GetDouble(), c.GetProperty("lambda2").GetDouble() * patch.item<double>(), 1e-6, "patch part");
        F.AssertAllClose(M.Doubles(c, "grad_student_cls"), studentCls.grad!, 1e-6, "dL/dstudent_cls");
        F.AssertAllClose(M.Doubles(c, "grad_student_patch"), studentPatch.grad!, 1e-6, "dL/dstudent_patch");
        F.AssertAllClose(M.Doubles(c, "new_center"), DINOLoss.UpdatedCenter(center, teacherCls, c.GetProperty("center_momentum").GetDouble()), 1e-6, "[CLS] centre");
        F.AssertAllClose(M.Doubles(c, "new_center2"), IBOTPatchLoss.UpdatedCenter(center2, teacherPatch, c.GetProperty("center_momentum").GetDouble()), 1e-6, "patch centre");
    }

    [Fact]
    public void Negative_weights_and_a_missing_patch_crop_fail_clearly()
    {
        using var scope = torch.NewDisposeScope();
        var cls = torch.randn(4, 5);
        var patches = torch.randn(4, 3, 5);
        var mask = torch.ones(4, 3).to_type(ScalarType.Bool);
        Assert.Throws<ArgumentOutOfRangeException>(() => IBOTLoss.Compute(new[] { cls, cls }, new[] { cls, cls }, new[] { patches, patches },
            new[] { patches, patches }, new[] { mask, mask }, torch.zeros(1, 5), torch.zeros(1, 1, 5), 0.04, 0.07, clsWeight: -1));
        var e = Assert.Throws<ArgumentException>(() => IBOTLoss.Compute(new[] { cls, cls }, new[] { cls, cls }, new[] { patches },
            new[] { patches }, new[] { mask }, torch.zeros(1, 5), torch.zeros(1, 1, 5), 0.04, 0.07));
        Assert.Contains("each of the 2 global crops", e.Message);
    }
}
