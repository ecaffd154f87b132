using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// DINO's self-distillation loss: the student's distribution over <c>K</c> prototypes on every crop must
/// match the sharpened, centred teacher distribution on every <i>other</i> global crop.
/// </summary>
/// <remarks>
/// <para>Caron et al., "Emerging Properties in Self-Supervised Vision Transformers" (DINO, ICCV 2021),
/// Algorithm 1; reference code facebookresearch/dino <c>main_dino.py</c> (<c>DINOLoss</c>).
/// docs/methods.md#dino.</para>
/// <para>With teacher outputs <c>g_t</c> of the <c>G</c> global crops and student outputs <c>g_s</c> of all
/// <c>V</c> crops (globals first, in the same order):
/// <c>P_t = softmax((g_t - c) / tau_t)</c> (no gradient),
/// <c>L = mean over pairs (iq &lt; G, v &lt; V, v != iq) of mean_rows( -sum_k P_t[iq] log softmax(g_s[v] / tau_s) )</c>.
/// The center <c>c</c> is then moved with <see cref="UpdatedCenter"/>; keeping it is the caller's job
/// (the <c>DINO</c> method holds it as a buffer so it is checkpointed).</para>
/// </remarks>
public static class DINOLoss
{
    /// <summary>The DINO cross-entropy averaged over all (teacher crop, other student crop) pairs.</summary>
    /// <param name="student">Student outputs of all crops, each <c>[N, K]</c>; the first
    /// <c>teacher.Count</c> are the global crops in the teacher's order.</param>
    /// <param name="teacher">Teacher outputs of the global crops, each <c>[N, K]</c> (detached here).</param>
    /// <param name="center">The center <c>[1, K]</c> (or <c>[K]</c>) subtracted from the teacher outputs.</param>
    /// <param name="teacherTemperature">Teacher temperature <c>tau_t &gt; 0</c> (0.04 - 0.07).</param>
    /// <param name="studentTemperature">Student temperature <c>tau_s &gt; 0</c> (0.1).</param>
    /// <returns>The scalar loss (0-d tensor, differentiable w.r.t. the student outputs only).</returns>
    /// <exception cref="ArgumentException">Shapes disagree, there is no pair to compare (fewer than 2 crops),
    /// a temperature is not positive, or an input holds NaN/infinity.</exception>
    public static Tensor Compute(IReadOnlyList<Tensor> student, IReadOnlyList<Tensor> teacher, Tensor center,
        double teacherTemperature = 0.04, double studentTemperature = 0.1)
    {
        Check(student, teacher, center, teacherTemperature, studentTemperature);
        using var scope = torch.NewDisposeScope();
        using Scalar one = 1.0, invStudent = 1.0 / studentTemperature;
        var logProbs = student.Select(s => nn.functional.log_softmax(s.mul(invStudent), 1)).ToArray();   // V x [N, K]
        Tensor? total = null;
        int terms = 0;
        for (int iq = 0; iq < teacher.Count; iq++)
        {
            var q = TeacherProbabilities(teacher[iq], center, teacherTemperature);   // [N, K]
            for (int v = 0; v < student.Count; v++)
            {
                if (v == iq) continue;
                var term = q.mul(logProbs[v]).sum(1).mean().neg();   // mean over rows of -sum_k q log p
                total = total is null ? term : total.add(term, one);
                terms++;
            }
        }
        using Scalar invTerms = 1.0 / terms;
        return total!.mul(invTerms).MoveToOuterDisposeScope();
    }

    /// <summary><c>softmax((t - c) / tau_t)</c> row-wise, detached: the teacher's sharpened, centred targets <c>[N, K]</c>.</summary>
    /// <param name="teacher">Teacher outputs <c>[N, K]</c>.</param>
    /// <param name="center">Center <c>[1, K]</c> or <c>[K]</c>.</param>
    /// <param name="teacherTemperature">Teacher temperature <c>tau_t &gt; 0</c>.</param>
    public static Tensor TeacherProbabilities(Tensor teacher, Tensor center, double teacherTemperature)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(center);
        CheckTemperature(teacherTemperature, nameof(teacherTemperature));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using Scalar minusOne = -1.0, inv = 1.0 / teacherTemperature;
        return nn.functional.softmax(teacher.detach().add(center, minusOne).mul(inv), 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The center after one update: <c>c m + mean_rows(t) (1 - m)</c>, without gradient (DINO's
    /// <c>update_center</c>; with several processes the row sum is all-reduced first).
    /// </summary>
    /// <param name="center">Current center <c>[1, K]</c>.</param>
    /// <param name="teacherOutput">Teacher outputs of all global crops, <c>[M, K]</c> (M = G x N).</param>
    /// <param name="momentum">Center momentum <c>m</c> in [0, 1] (DINO: 0.9).</param>
    /// <returns>The new center <c>[1, K]</c>.</returns>
    /// <exception cref="ArgumentException">The widths differ or the momentum is outside [0, 1].</exception>
    public static Tensor UpdatedCenter(Tensor center, Tensor teacherOutput, double momentum = 0.9)
    {
        ArgumentNullException.ThrowIfNull(center);
        ArgumentNullException.ThrowIfNull(teacherOutput);
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The DINO center momentum must be in [0, 1] (paper: 0.9).");
        if (teacherOutput.dim() != 2 || teacherOutput.shape[0] < 1 || center.numel() != teacherOutput.shape[1])
            throw new ArgumentException(
                $"The DINO center update needs teacher outputs [M, K] with K = {center.numel()} (the center's width) " +
                $"but got [{string.Join(", ", teacherOutput.shape)}].");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using Scalar m = momentum, rest = 1 - momentum;
        var batchCenter = teacherOutput.detach().mean(new long[] { 0 }, keepdim: true);   // [1, K]
        return center.detach().reshape(1, -1).mul(m).add(batchCenter, rest).MoveToOuterDisposeScope();
    }

    private static void Check(IReadOnlyList<Tensor> student, IReadOnlyList<Tensor> teacher, Tensor center, double teacherTemperature,
        double studentTemperature)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(center);
        CheckTemperature(teacherTemperature, nameof(teacherTemperature));
        CheckTemperature(studentTemperature, nameof(studentTemperature));
        if (teacher.Count < 1)
            throw new ArgumentException("The DINO loss needs the teacher's outputs of at least one global crop.", nameof(teacher));
        if (student.Count < teacher.Count || student.Count < 2)
            throw new ArgumentException(
                $"The DINO loss needs the student's outputs of every teacher crop plus at least one other crop " +
                $"(got {student.Count} student and {teacher.Count} teacher crops). Use at least 2 global crops.", nameof(student));
        var shape = teacher[0].shape;
        if (shape.Length != 2 || shape[0] < 1)
            throw new ArgumentException($"DINO outputs must be [N, K] but the first teacher output is [{string.Join(", ", shape)}].", nameof(teacher));
        foreach (var t in teacher.Concat(student))
            if (!t.shape.SequenceEqual(shape))
                throw new ArgumentException(
                    $"All DINO outputs must have one shape [N, K] = [{string.Join(", ", shape)}] but one is [{string.Join(", ", t.shape)}]. " +
                    "Every crop must hold the same images, and the teacher and student heads the same K.");
        if (center.numel() != shape[1])
            throw new ArgumentException($"The DINO center has {center.numel()} entries but the outputs have K = {shape[1]}.", nameof(center));
        LossChecks.AllFinite(teacher.Concat(student),
            "The DINO loss got NaN or infinite outputs: training has diverged (lower the learning rate, keep gradient clipping on, " +
            "or lower the teacher temperature).");
    }

    private static void CheckTemperature(double t, string name)
    {
        if (!(t > 0) || double.IsInfinity(t))
            throw new ArgumentOutOfRangeException(name, t, "DINO temperatures must be finite numbers > 0 (teacher 0.04 - 0.07, student 0.1).");
    }
}
