using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules;

/// <summary>
/// An exponential-moving-average teacher over any module type: the student it follows and a frozen twin whose
/// parameters follow <c>teacher &lt;- m * teacher + (1 - m) * student</c> after every <see cref="Update"/>.
/// </summary>
/// <remarks>
/// <para>The momentum / target network of MoCo (He et al., CVPR 2020; <c>_momentum_update_key_encoder</c>),
/// BYOL (Grill et al., NeurIPS 2020), MoCo v3, DINO (Caron et al., ICCV 2021; <c>main_dino.py</c>), iBOT and
/// I-JEPA. docs/recipes.md#ema-teachers. After stable-pretraining's <c>TeacherStudentWrapper</c> (student + EMA
/// copy in one wrapper) and lightly's <c>update_momentum</c>; the schedule of <c>m</c> lives in
/// <see cref="EmaMomentum"/>.</para>
/// <para>Generic over the module type, so a teacher whose forward takes a mask or token indices (iBOT, I-JEPA)
/// is called with its own signature: <c>teacher.Run(t =&gt; t.call(x, mask))</c> or through
/// <see cref="Module"/>.</para>
/// <para>The teacher starts as an exact copy of the student. Its parameters never require gradients and so
/// never reach an optimizer (<see cref="ParameterGroups.SplitDecay"/> skips frozen parameters). Its buffers
/// (BatchNorm running statistics) are its own: the teacher's forward in train mode updates them, as the
/// reference key/target encoders do; set <see cref="CopyBuffers"/> to copy the student's instead. Only the twin
/// is registered (under <c>module</c>), so the owner's <c>state_dict()</c> holds it once, as
/// <c>&lt;teacher name&gt;.module.*</c>, and the student only where the owner registers it.</para>
/// <para><see cref="Update"/> works on device tensors only (<c>mul_</c>, <c>add_</c>): no host sync.</para>
/// </remarks>
/// <typeparam name="TModule">The student's (and twin's) module type, with whatever forward signature it has.</typeparam>
public sealed class EmaTeacher<TModule> : nn.Module where TModule : nn.Module
{
    private readonly TModule teacher;
    private readonly TModule student;

    /// <summary>Creates a teacher from <paramref name="twin"/>, a module with the student's architecture.</summary>
    /// <param name="student">The online network the teacher follows (not owned: the method registers it itself).</param>
    /// <param name="twin">A fresh module of the same architecture (e.g. <c>Backbone.CreateTwin()</c>);
    /// the teacher owns it. Its weights are overwritten with the student's.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentException">The two modules are one object, or do not have the same parameters and buffers.</exception>
    public EmaTeacher(TModule student, TModule twin, string name = "teacher") : base(name)
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
            foreach (var (t, s) in teacher.parameters().Zip(student.parameters())) t.copy_(s);
            foreach (var (t, s) in teacher.buffers().Zip(student.buffers())) t.copy_(s);
        }
        foreach (var p in teacher.parameters()) p.requires_grad = false;
    }

    /// <summary>
    /// Does nothing: the constructor registers exactly what belongs in the state dict. (TorchSharp calls
    /// this when the module is registered in a parent and would otherwise add every field, e.g. the
    /// student a teacher follows, a second time under the field's name.)
    /// </summary>
    protected override void RegisterComponents() { }

    /// <summary>The teacher network (frozen parameters); call it with its own signature, under <c>no_grad</c>.</summary>
    public TModule Module => teacher;

    /// <summary>The student the teacher follows (not owned).</summary>
    public TModule Student => student;

    /// <summary>Whether <see cref="Update"/> also copies the student's buffers (default false: the teacher keeps its own).</summary>
    public bool CopyBuffers { get; init; }

    /// <summary>The momentum used by the last <see cref="Update"/> (NaN before the first).</summary>
    public double LastMomentum { get; private set; } = double.NaN;

    /// <summary>Runs <paramref name="forward"/> on the teacher without gradient and returns its result.</summary>
    /// <typeparam name="TResult">What the forward returns (a tensor, a tuple, a typed output).</typeparam>
    /// <param name="forward">The call, e.g. <c>t =&gt; t.call(x)</c> for an image batch <c>[N, C, H, W]</c>.</param>
    public TResult Run<TResult>(Func<TModule, TResult> forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        using var _ = torch.no_grad();
        return forward(teacher);
    }

    /// <summary>
    /// <c>teacher &lt;- m * teacher + (1 - m) * student</c> for every parameter, without gradient and without
    /// host sync (and the student's buffers copied when <see cref="CopyBuffers"/>).
    /// <c>m = 1</c> leaves the teacher unchanged; <c>m = 0</c> copies the student.
    /// </summary>
    /// <param name="momentum">Momentum <c>m</c> in [0, 1] (see <see cref="EmaMomentum.At"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is outside [0, 1].</exception>
    public void Update(double momentum)
    {
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The EMA momentum must be in [0, 1] (e.g. 0.996).");
        LastMomentum = momentum;
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using Scalar keep = momentum, rest = 1 - momentum;   // held: see Augment/Functional/ScalarCache
        foreach (var (t, s) in teacher.parameters().Zip(student.parameters()))
            t.mul_(keep).add_(s.detach(), alpha: rest);
        if (CopyBuffers)
            foreach (var (t, s) in teacher.buffers().Zip(student.buffers())) t.copy_(s);
    }

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
}
