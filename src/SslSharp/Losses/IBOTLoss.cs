using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// iBOT's full objective: DINO's [CLS] self-distillation across crops (<see cref="DINOLoss"/>) plus the masked-patch
/// self-distillation within each global crop (<see cref="IBOTPatchLoss"/>), each with its own centre and teacher
/// temperature, added with weights.
/// </summary>
/// <remarks>
/// <para>Zhou et al., "iBOT: Image BERT Pre-Training with Online Tokenizer" (ICLR 2022), equations 1-2; reference code
/// bytedance/ibot <c>main_ibot.py</c> (<c>iBOTLoss</c>: <c>v != q</c> pairs give the [CLS] term, <c>v == q</c> the
/// patch term). docs/methods.md#ibot.</para>
/// <para><c>L = w_cls L_cls + w_patch L_patch</c> with <c>L_cls</c> = <see cref="DINOLoss.Compute"/> on the student's
/// [CLS] outputs of every crop (globals first, then local crops) against the teacher's on the <c>G</c> global crops
/// (centre <c>c</c>, temperature <c>tau_t</c>), and <c>L_patch</c> = <see cref="IBOTPatchLoss"/> on the
/// student's patch outputs of the masked global crops against the teacher's on the same crops unmasked (centre
/// <c>c2</c>, temperature <c>tau_t2</c>). iBOT's weights are 1 and 1.</para>
/// </remarks>
public static class IBOTLoss
{
    /// <summary>The weighted sum of the [CLS] and the masked-patch losses, and both parts.</summary>
    /// <param name="studentCls">Student [CLS] outputs <c>[N, K]</c> of every crop, the <c>G</c> global crops first.</param>
    /// <param name="teacherCls">Teacher [CLS] outputs <c>[N, K]</c> of the <c>G</c> global crops (detached here).</param>
    /// <param name="studentPatches">Student patch outputs <c>[N, L, K]</c> of the <c>G</c> (masked) global crops.</param>
    /// <param name="teacherPatches">Teacher patch outputs <c>[N, L, K]</c> of the same crops unmasked (detached here).</param>
    /// <param name="masks">The student's mask per global crop, <c>[N, L]</c> (true = masked).</param>
    /// <param name="center">[CLS] centre <c>[1, K]</c>.</param>
    /// <param name="patchCenter">Patch centre <c>[1, 1, K]</c>.</param>
    /// <param name="teacherTemperature">Teacher [CLS] temperature.</param>
    /// <param name="teacherPatchTemperature">Teacher patch temperature.</param>
    /// <param name="studentTemperature">Student temperature (0.1).</param>
    /// <param name="clsWeight">Weight of the [CLS] loss (iBOT's <c>lambda1</c>, 1).</param>
    /// <param name="patchWeight">Weight of the patch loss (iBOT's <c>lambda2</c>, 1).</param>
    /// <returns>Three 0-d tensors: the total (differentiable w.r.t. the student outputs), the [CLS] and the patch loss.</returns>
    /// <exception cref="ArgumentException">Counts or shapes disagree, a temperature is not positive, or a weight is
    /// negative or not finite.</exception>
    public static (Tensor Total, Tensor Cls, Tensor Patch) Compute(IReadOnlyList<Tensor> studentCls, IReadOnlyList<Tensor> teacherCls,
        IReadOnlyList<Tensor> studentPatches, IReadOnlyList<Tensor> teacherPatches, IReadOnlyList<Tensor> masks,
        Tensor center, Tensor patchCenter, double teacherTemperature, double teacherPatchTemperature, double studentTemperature = 0.1,
        double clsWeight = 1.0, double patchWeight = 1.0)
    {
        ArgumentNullException.ThrowIfNull(teacherCls);
        ArgumentNullException.ThrowIfNull(studentPatches);
        if (!(clsWeight >= 0 && double.IsFinite(clsWeight)) || !(patchWeight >= 0 && double.IsFinite(patchWeight)))
            throw new ArgumentOutOfRangeException(nameof(clsWeight), $"({clsWeight}, {patchWeight})",
                "The iBOT loss weights must be finite numbers >= 0 (iBOT: 1 and 1).");
        if (studentPatches.Count != teacherCls.Count)
            throw new ArgumentException(
                $"The iBOT loss needs the student's patch outputs of each of the {teacherCls.Count} global crops the teacher saw, but got {studentPatches.Count}.",
                nameof(studentPatches));
        using var scope = torch.NewDisposeScope();
        var cls = DINOLoss.Compute(studentCls, teacherCls, center, teacherTemperature, studentTemperature);
        var patch = IBOTPatchLoss.Compute(studentPatches, teacherPatches, masks, patchCenter, teacherPatchTemperature, studentTemperature);
        using Scalar wc = clsWeight, wp = patchWeight;
        var total = cls.mul(wc).add(patch.mul(wp));
        return (total.MoveToOuterDisposeScope(), cls.detach().MoveToOuterDisposeScope(), patch.detach().MoveToOuterDisposeScope());
    }
}
