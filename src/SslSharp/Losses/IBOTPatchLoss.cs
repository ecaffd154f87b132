using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// iBOT's masked-patch self-distillation: at every patch the student saw masked, the student's distribution over
/// <c>K</c> patch prototypes must match the teacher's sharpened, centred distribution on the unmasked crop.
/// </summary>
/// <remarks>
/// <para>Zhou et al., "iBOT: Image BERT Pre-Training with Online Tokenizer" (ICLR 2022), equation 2; reference code
/// bytedance/ibot <c>main_ibot.py</c> (<c>iBOTLoss</c>, the <c>v == q</c> term). docs/methods.md#ibot.</para>
/// <para>For one global crop with student patch outputs <c>s</c> and teacher patch outputs <c>t</c>
/// (<c>[N, L, K]</c>), mask <c>m</c> (<c>[N, L]</c>, 1 = masked for the student) and patch centre <c>c</c>:
/// <c>P_t = softmax((t - c) / tau_t)</c> (no gradient), <c>e[n, l] = -sum_k P_t log softmax(s / tau_s)</c>,
/// <c>L = mean_n( sum_l m[n,l] e[n,l] / max(1, sum_l m[n,l]) )</c>: averaged per image over its masked patches, then
/// over all images; an image with no masked patch adds 0 but still counts in the mean over images (iBOT's
/// <c>clamp(min=1)</c>). With several global crops the loss is the mean of the per-crop losses.</para>
/// <para>The centre is iBOT's <c>center2</c>, separate from the [CLS] centre: <see cref="UpdatedCenter"/> moves it
/// to <c>m c + (1 - m) mean_n(mean_l(t[n, l]))</c>, the mean over every patch of every global crop, masked or not
/// (with several processes the sum over images is all-reduced first).</para>
/// </remarks>
public static class IBOTPatchLoss
{
    /// <summary>The masked-patch loss of one global crop.</summary>
    /// <param name="student">Student patch outputs <c>[N, L, K]</c> (the crop with masked patches).</param>
    /// <param name="teacher">Teacher patch outputs <c>[N, L, K]</c> of the same crop unmasked (detached here).</param>
    /// <param name="mask"><c>[N, L]</c>, true (or 1) = the student saw this patch masked.</param>
    /// <param name="center">Patch centre <c>[1, 1, K]</c> (or <c>[1, K]</c>, <c>[K]</c>).</param>
    /// <param name="teacherTemperature">Teacher patch temperature <c>tau_t &gt; 0</c> (iBOT: 0.04 warming to 0.07).</param>
    /// <param name="studentTemperature">Student temperature <c>tau_s &gt; 0</c> (0.1).</param>
    /// <returns>The scalar loss (0-d, differentiable w.r.t. the student outputs only).</returns>
    public static Tensor Compute(Tensor student, Tensor teacher, Tensor mask, Tensor center, double teacherTemperature = 0.04,
        double studentTemperature = 0.1) =>
        Compute(new[] { student }, new[] { teacher }, new[] { mask }, center, teacherTemperature, studentTemperature);

    /// <summary>The masked-patch loss averaged over global crops (crop <c>g</c> of the student against crop <c>g</c>
    /// of the teacher).</summary>
    /// <param name="student">Student patch outputs per global crop, each <c>[N, L, K]</c>.</param>
    /// <param name="teacher">Teacher patch outputs per global crop, in the same order.</param>
    /// <param name="masks">The student's mask per global crop, each <c>[N, L]</c>.</param>
    /// <param name="center">Patch centre <c>[1, 1, K]</c>.</param>
    /// <param name="teacherTemperature">Teacher patch temperature.</param>
    /// <param name="studentTemperature">Student temperature.</param>
    /// <exception cref="ArgumentException">Counts or shapes disagree, a temperature is not positive, or (with value checks
    /// on) an input holds NaN/infinity.</exception>
    public static Tensor Compute(IReadOnlyList<Tensor> student, IReadOnlyList<Tensor> teacher, IReadOnlyList<Tensor> masks, Tensor center,
        double teacherTemperature = 0.04, double studentTemperature = 0.1)
    {
        Check(student, teacher, masks, center, teacherTemperature, studentTemperature);
        using var scope = torch.NewDisposeScope();
        using Scalar invStudent = 1.0 / studentTemperature, one = 1.0;
        Tensor? total = null;
        for (int g = 0; g < student.Count; g++)
        {
            var q = TeacherProbabilities(teacher[g], center, teacherTemperature);                    // [N, L, K]
            var logP = nn.functional.log_softmax(student[g].mul(invStudent), -1);
            var perPatch = q.mul(logP).sum(-1).neg();                                                  // [N, L]
            var m = masks[g].to_type(perPatch.dtype);
            var perImage = perPatch.mul(m).sum(-1).div(m.sum(-1).clamp_min(one));                      // [N]
            var term = perImage.mean();
            total = total is null ? term : total.add(term, one);
        }
        using Scalar invCrops = 1.0 / student.Count;
        return total!.mul(invCrops).MoveToOuterDisposeScope();
    }

    /// <summary><c>softmax((t - c) / tau_t)</c> over the last dimension, detached: the teacher's patch targets.</summary>
    /// <param name="teacher">Teacher patch outputs <c>[N, L, K]</c>.</param>
    /// <param name="center">Patch centre with <c>K</c> entries.</param>
    /// <param name="teacherTemperature">Teacher temperature <c>tau_t &gt; 0</c>.</param>
    public static Tensor TeacherProbabilities(Tensor teacher, Tensor center, double teacherTemperature)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(center);
        LossChecks.Temperature("iBOT teacher patch", teacherTemperature, "0.04 - 0.07");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using Scalar inv = 1.0 / teacherTemperature;
        return nn.functional.softmax(teacher.detach().sub(center.reshape(-1)).mul(inv), -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The patch centre after one update: <c>m c + (1 - m) mean over images and patches of t</c>, without gradient
    /// (iBOT's <c>update_center</c> for <c>center2</c>).
    /// </summary>
    /// <param name="center">Current patch centre <c>[1, 1, K]</c> (any shape with <c>K</c> entries).</param>
    /// <param name="teacherPatches">Teacher patch outputs of all global crops <c>[M, L, K]</c>.</param>
    /// <param name="momentum">Centre momentum <c>m</c> in [0, 1] (iBOT: 0.9).</param>
    /// <returns>The new centre <c>[1, 1, K]</c>.</returns>
    public static Tensor UpdatedCenter(Tensor center, Tensor teacherPatches, double momentum = 0.9)
    {
        ArgumentNullException.ThrowIfNull(center);
        ArgumentNullException.ThrowIfNull(teacherPatches);
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The iBOT patch centre momentum must be in [0, 1] (iBOT: 0.9).");
        if (teacherPatches.dim() != 3 || teacherPatches.shape[0] < 1 || teacherPatches.shape[1] < 1 || center.numel() != teacherPatches.shape[2])
            throw new ArgumentException(
                $"The iBOT patch centre update needs teacher patch outputs [M, L, K] with K = {center.numel()} (the centre's width) " +
                $"but got [{LossChecks.Shape(teacherPatches)}].");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using Scalar m = momentum, rest = 1 - momentum;
        var batchCenter = teacherPatches.detach().mean(new long[] { 1 }).mean(new long[] { 0 }).reshape(1, 1, -1);
        return center.detach().reshape(1, 1, -1).mul(m).add(batchCenter, rest).MoveToOuterDisposeScope();
    }

    private static void Check(IReadOnlyList<Tensor> student, IReadOnlyList<Tensor> teacher, IReadOnlyList<Tensor> masks, Tensor center,
        double teacherTemperature, double studentTemperature)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(center);
        const string Loss = "The iBOT patch loss";
        LossChecks.Temperature("iBOT teacher patch", teacherTemperature, "0.04 - 0.07");
        LossChecks.Temperature("iBOT student", studentTemperature, "0.1");
        if (student.Count < 1 || student.Count != teacher.Count || student.Count != masks.Count)
            throw new ArgumentException(
                $"{Loss} needs one student output, one teacher output and one mask per global crop, but got {student.Count}, {teacher.Count} and {masks.Count}.");
        var shape = student[0].shape;
        if (shape.Length != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1)
            throw new ArgumentException($"{Loss} expects patch outputs [N, L, K] but the first student output is [{string.Join(", ", shape)}].", nameof(student));
        for (int g = 0; g < student.Count; g++)
        {
            LossChecks.SameShape(Loss, $"student crop {g}", student[g], "the first student crop", student[0]);
            LossChecks.SameShape(Loss, $"student crop {g}", student[g], $"teacher crop {g}", teacher[g]);
            if (masks[g].dim() != 2 || masks[g].shape[0] != shape[0] || masks[g].shape[1] != shape[1])
                throw new ArgumentException(
                    $"{Loss} expects masks [N, L] = [{shape[0]}, {shape[1]}] (true = masked) but mask {g} is [{LossChecks.Shape(masks[g])}].", nameof(masks));
        }
        if (center.numel() != shape[2])
            throw new ArgumentException($"The iBOT patch centre has {center.numel()} entries but the outputs have K = {shape[2]}.", nameof(center));
        LossChecks.AllFinite(student.Concat(teacher),
            $"{Loss} got NaN or infinite outputs: training has diverged (lower the learning rate, keep gradient clipping on, or lower the teacher temperature).");
    }
}
