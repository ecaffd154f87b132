using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules;

/// <summary>
/// An exponential-moving-average teacher: a frozen twin of a student module whose parameters follow
/// <c>teacher &lt;- m * teacher + (1 - m) * student</c> after every optimizer step.
/// </summary>
/// <remarks>
/// <para>The momentum / target network of MoCo (He et al., CVPR 2020; <c>_momentum_update_key_encoder</c>),
/// BYOL (Grill et al., NeurIPS 2020), MoCo v3, DINO (Caron et al., ICCV 2021; <c>main_dino.py</c>) and
/// I-JEPA. docs/recipes.md#ema-teachers. Style after stable-pretraining's <c>TeacherStudentWrapper</c>.</para>
/// <para>The teacher starts as an exact copy of the student. Its parameters never require gradients
/// and so never reach an optimizer (<see cref="ParameterGroups.SplitDecay"/> skips frozen
/// parameters). Its buffers (BatchNorm running statistics) are its own: the teacher's forward in train
/// mode updates them, as the reference key/target encoders do; set <see cref="CopyBuffers"/> to copy
/// the student's instead. The teacher is a registered sub-module, so its weights are part of the
/// owner's <c>state_dict()</c> and of every checkpoint.</para>
/// <para>Momentum schedules are pure functions of the step: <see cref="CosineMomentum(long, long, double, double)"/> (BYOL, DINO,
/// MoCo v3: <c>1 - (1 - m0)(1 + cos(pi t / T)) / 2</c>).</para>
/// </remarks>
public sealed class EmaTeacher : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> teacher;
    private readonly nn.Module student;

    /// <summary>Creates a teacher from <paramref name="twin"/>, a module with the student's architecture.</summary>
    /// <param name="student">The online network the teacher follows (not owned: the method registers it itself).</param>
    /// <param name="twin">A fresh module of the same architecture (e.g. <c>Backbone.CreateTwin()</c>);
    /// the teacher owns it. Its weights are overwritten with the student's.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentException">The two modules do not have the same parameters and buffers.</exception>
    public EmaTeacher(nn.Module student, nn.Module<Tensor, Tensor> twin, string name = "teacher") : base(name)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(twin);
        if (ReferenceEquals(student, twin))
            throw new ArgumentException("The teacher must be a separate module (use CreateTwin()), not the student itself.", nameof(twin));
        this.student = student;
        teacher = twin;
        CheckSameLayout(student, twin);
        register_module("module", teacher);
        using (torch.no_grad())
        {
            foreach (var (t, s) in Pairs(teacher.parameters(), student.parameters())) t.copy_(s);
            foreach (var (t, s) in Pairs(teacher.buffers(), student.buffers())) t.copy_(s);
        }
        foreach (var p in teacher.parameters()) p.requires_grad = false;
    }

    /// <summary>
    /// Does nothing: the constructor registers exactly what belongs in the state dict. (TorchSharp calls
    /// this when the module is registered in a parent and would otherwise add every field, e.g. the
    /// student a teacher follows, a second time under the field's name.)
    /// </summary>
    protected override void RegisterComponents() { }

    /// <summary>The teacher network (frozen parameters).</summary>
    public nn.Module<Tensor, Tensor> Module => teacher;

    /// <summary>Whether <see cref="Update"/> also copies the student's buffers (default false: the teacher keeps its own).</summary>
    public bool CopyBuffers { get; init; }

    /// <summary>The momentum used by the last <see cref="Update"/> (NaN before the first).</summary>
    public double LastMomentum { get; private set; } = double.NaN;

    /// <summary>Runs the teacher without gradient: input <c>[N, ...]</c> to the twin's output.</summary>
    public override Tensor forward(Tensor input)
    {
        using var _ = torch.no_grad();
        return teacher.call(input);
    }

    /// <summary>
    /// <c>teacher &lt;- m * teacher + (1 - m) * student</c> for every parameter, without gradient.
    /// <c>m = 1</c> leaves the teacher unchanged; <c>m = 0</c> copies the student.
    /// </summary>
    /// <param name="momentum">Momentum <c>m</c> in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is outside [0, 1].</exception>
    public void Update(double momentum)
    {
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The EMA momentum must be in [0, 1] (e.g. 0.996).");
        LastMomentum = momentum;
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var (t, s) in Pairs(teacher.parameters(), student.parameters()))
            t.mul_(momentum).add_(s.detach(), alpha: 1 - momentum);
        if (CopyBuffers)
            foreach (var (t, s) in Pairs(teacher.buffers(), student.buffers())) t.copy_(s);
    }

    /// <summary>
    /// The cosine momentum schedule of BYOL / DINO / MoCo v3:
    /// <c>m(t) = end - (end - base)(1 + cos(pi t / T)) / 2</c>, from <paramref name="baseMomentum"/> at step 0
    /// to <paramref name="endMomentum"/> at the last step.
    /// </summary>
    /// <param name="step">Global step <c>t</c>.</param>
    /// <param name="totalSteps">Total steps <c>T</c>.</param>
    /// <param name="baseMomentum">Momentum at step 0 (BYOL 0.99/0.996, DINO 0.996, MoCo v3 0.99).</param>
    /// <param name="endMomentum">Momentum at the end (1).</param>
    public static double CosineMomentum(long step, long totalSteps, double baseMomentum, double endMomentum = 1.0) =>
        Schedules.Cosine(step, totalSteps, baseMomentum, endMomentum);

    /// <summary>
    /// <see cref="CosineMomentum(long, long, double, double)"/> at <paramref name="progress"/>'s step, over its total
    /// steps (at least 1, so a run of unknown length stays at <paramref name="baseMomentum"/>).
    /// </summary>
    /// <param name="progress">Where training stands.</param>
    /// <param name="baseMomentum">Momentum at step 0.</param>
    /// <param name="endMomentum">Momentum at the end (1).</param>
    public static double CosineMomentum(TrainingProgress progress, double baseMomentum, double endMomentum = 1.0) =>
        CosineMomentum(progress.Step, Math.Max(1, progress.TotalSteps), baseMomentum, endMomentum);

    private static void CheckSameLayout(nn.Module a, nn.Module b)
    {
        var pa = a.named_parameters().Select(p => (p.name, Shape: string.Join("x", p.parameter.shape))).ToList();
        var pb = b.named_parameters().Select(p => (p.name, Shape: string.Join("x", p.parameter.shape))).ToList();
        var ba = a.named_buffers().Select(p => (p.name, Shape: string.Join("x", p.buffer.shape))).ToList();
        var bb = b.named_buffers().Select(p => (p.name, Shape: string.Join("x", p.buffer.shape))).ToList();
        if (!pa.SequenceEqual(pb) || !ba.SequenceEqual(bb))
            throw new ArgumentException(
                "The teacher twin must have exactly the student's parameters and buffers (names and shapes). " +
                "Build it with the same constructor arguments, e.g. backbone.CreateTwin().");
    }

    private static IEnumerable<(Tensor Teacher, Tensor Student)> Pairs(IEnumerable<Tensor> teacher, IEnumerable<Tensor> student) =>
        teacher.Zip(student);
}
