using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Heads;
using SslSharp.Losses;
using SslSharp.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Methods.SelfDistillation;

/// <summary>
/// DINO: self-distillation with no labels. A student (backbone + <see cref="DINOHead"/>) sees every crop
/// and matches the centred, sharpened output distribution that an EMA teacher gives to the global crops.
/// </summary>
/// <remarks>
/// <para>Caron et al., "Emerging Properties in Self-Supervised Vision Transformers" (ICCV 2021); reference
/// code facebookresearch/dino <c>main_dino.py</c> (<c>train_one_epoch</c>, <c>DINOLoss</c>),
/// <c>utils.py</c> (<c>clip_gradients</c>, <c>cancel_gradients_last_layer</c>, <c>cosine_scheduler</c>).
/// docs/methods.md#dino.</para>
/// <para>One step: the teacher encodes the <c>G</c> global crops in one call (no gradient); the student
/// encodes all crops with one call per resolution (<see cref="ViewBatch.EncodeByResolution"/>); the loss is
/// <see cref="DINOLoss.Compute"/> with the current teacher temperature; then (in training mode) the center
/// <c>c &lt;- m c + (1 - m) mean(g_t)</c> (buffer <c>center</c>, saved in checkpoints). After backward:
/// per-tensor gradient clipping (<see cref="ClipGradients"/>), and during the first
/// <see cref="FreezeLastLayerEpochs"/> epochs the last layer's gradients are dropped. After the optimizer
/// step: teacher EMA with <c>m = 1 - (1 - m0)(1 + cos(pi t / T)) / 2</c>, m0 from <see cref="DINOOptions"/>.</para>
/// <para>Teacher temperature: <see cref="TeacherTemperatureAt"/>, DINO's per-epoch linear warm-up from
/// <c>warmup_teacher_temp</c> to <c>teacher_temp</c> over <c>warmup_teacher_temp_epochs</c> (numpy
/// <c>linspace</c>: the final value is reached at epoch <c>W - 1</c>), a pure function of the step.</para>
/// <para>Recipe values that live in the trainer, not here: AdamW, lr 5e-4 x N/256 with 10 warm-up
/// epochs, cosine weight decay 0.04 to 0.4 (see the presets). The student's drop-path 0.1 applies to
/// ViT backbones only. Several processes (<see cref="SslMethod.ProcessGroup"/>): the center moves towards the mean of
/// the teacher outputs of the global batch (the row sums are all-reduced).</para>
/// </remarks>
public sealed class DINO : SslMethod, Core.IHasProjector
{
    private readonly Backbone backbone;
    private readonly DINOHead head;
    private readonly EmaTeacher<Backbone> teacher_backbone;
    private readonly EmaTeacher<DINOHead> teacher_head;
    private readonly EmaMomentum momentum;
    private readonly Tensor center;

    /// <summary>Creates DINO around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="DINOOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public DINO(Backbone backbone, DINOOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).OutDim, options.HiddenDim, options.BottleneckDim, options.HeadLayers, options.NormLastLayer, options.StudentTemp, options.TeacherTemp, options.WarmupTeacherTemp, options.WarmupTeacherTempEpochs, options.CenterMomentum, options.BaseMomentum, options.FreezeLastLayer, options.ClipGrad, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="DINOOptions"/>).</summary>
    private DINO(Backbone backbone, int outputDim, int hiddenDim, int bottleneckDim, int headLayers, bool normLastLayer, double studentTemperature, double teacherTemperature, double warmupTeacherTemperature, int warmupTeacherTemperatureEpochs, double centerMomentum, double baseMomentum, int freezeLastLayerEpochs, double clipGradient, long seed) : base(nameof(DINO))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        CheckTemperature(studentTemperature, nameof(studentTemperature), "student temperature (paper: 0.1)");
        CheckTemperature(teacherTemperature, nameof(teacherTemperature), "teacher temperature (0.04 - 0.07)");
        CheckTemperature(warmupTeacherTemperature, nameof(warmupTeacherTemperature), "warm-up teacher temperature (0.04)");
        if (warmupTeacherTemperatureEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(warmupTeacherTemperatureEpochs), warmupTeacherTemperatureEpochs, "The teacher-temperature warm-up must be >= 0 epochs (paper: 30).");
        if (!(centerMomentum >= 0 && centerMomentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(centerMomentum), centerMomentum, "The DINO center momentum must be in [0, 1] (paper: 0.9).");
        EmaMomentum.Check(baseMomentum, nameof(baseMomentum), "The DINO teacher momentum", "paper: 0.996");
        if (freezeLastLayerEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(freezeLastLayerEpochs), freezeLastLayerEpochs, "freeze_last_layer must be >= 0 epochs (paper: 1).");
        if (!(clipGradient >= 0) || double.IsInfinity(clipGradient))
            throw new ArgumentOutOfRangeException(nameof(clipGradient), clipGradient, "The gradient clip must be a finite number >= 0 (paper: 3.0; 0 turns it off).");

        this.backbone = backbone;
        head = new DINOHead(backbone.FeatureDim, outputDim, hiddenDim, bottleneckDim, headLayers, normLastLayer, seed: seed);
        teacher_backbone = new EmaTeacher<Backbone>(backbone, backbone.CreateTwin(), "teacher_backbone");
        teacher_head = new EmaTeacher<DINOHead>(head, head.CreateTwin(), "teacher_head");
        momentum = new EmaMomentum(baseMomentum);
        center = torch.zeros(1, outputDim);
        StudentTemperature = studentTemperature;
        TeacherTemperature = teacherTemperature;
        WarmupTeacherTemperature = warmupTeacherTemperature;
        WarmupTeacherTemperatureEpochs = warmupTeacherTemperatureEpochs;
        CenterMomentum = centerMomentum;
        FreezeLastLayerEpochs = freezeLastLayerEpochs;
        ClipGradient = clipGradient;
        CurrentTeacherTemperature = warmupTeacherTemperatureEpochs > 0 ? warmupTeacherTemperature : teacherTemperature;
        register_module("backbone", backbone);
        register_module("head", head);
        register_module("teacher_backbone", teacher_backbone);
        register_module("teacher_head", teacher_head);
        register_buffer("center", center);
    }

    /// <inheritdoc />
    public override Backbone Encoder => backbone;

    /// <summary>The student's head.</summary>
    public DINOHead Head => head;

    /// <summary>The student head (MLP, bottleneck, prototypes), for the guillotine probe (<see cref="Core.IHasProjector"/>).</summary>
    nn.Module<Tensor, Tensor> Core.IHasProjector.Projector => head;

    /// <summary>
    /// The student head's L2-normalised bottleneck <c>[N, BottleneckDim]</c>, before the prototypes: the
    /// embedding, as SwAV's is its projector output before its prototypes.
    /// </summary>
    public override Tensor? Embed(Tensor features) => head.Bottleneck(features);

    /// <summary>The teacher backbone (EMA of <see cref="Encoder"/>).</summary>
    public EmaTeacher<Backbone> TeacherBackbone => teacher_backbone;

    /// <summary>The teacher head (EMA of <see cref="Head"/>).</summary>
    public EmaTeacher<DINOHead> TeacherHead => teacher_head;

    /// <summary>The center <c>[1, K]</c> subtracted from the teacher's outputs (a buffer; live tensor, do not modify).</summary>
    public Tensor Center => center;

    /// <summary>Student temperature.</summary>
    public double StudentTemperature { get; }

    /// <summary>Teacher temperature after the warm-up.</summary>
    public double TeacherTemperature { get; }

    /// <summary>Teacher temperature at epoch 0.</summary>
    public double WarmupTeacherTemperature { get; }

    /// <summary>Epochs of the teacher-temperature warm-up.</summary>
    public int WarmupTeacherTemperatureEpochs { get; }

    /// <summary>Center momentum.</summary>
    public double CenterMomentum { get; }

    /// <summary>Teacher EMA momentum at step 0.</summary>
    public double BaseMomentum => momentum.Base;

    /// <summary>Epochs during which the last layer of the head gets no gradient.</summary>
    public int FreezeLastLayerEpochs { get; }

    /// <summary>Per-tensor gradient norm limit (0: off).</summary>
    public double ClipGradient { get; }

    /// <summary>The teacher temperature the next forward uses (set by <see cref="OnStepStart"/>).</summary>
    public double CurrentTeacherTemperature { get; private set; }

    /// <summary>DINO needs two global crops; local crops are optional.</summary>
    public override int MinimumViews => 2;

    /// <summary>
    /// DINO's teacher temperature at a step: epoch <c>e = step / stepsPerEpoch</c>; during the warm-up
    /// (<c>e &lt; W</c>) <c>warmup + (final - warmup) e / (W - 1)</c> (numpy <c>linspace(warmup, final, W)[e]</c>),
    /// afterwards <c>final</c>.
    /// </summary>
    /// <param name="step">Global step (0-based).</param>
    /// <param name="stepsPerEpoch">Steps per epoch (&gt;= 1).</param>
    /// <param name="warmupTemperature">Temperature at epoch 0.</param>
    /// <param name="finalTemperature">Temperature from epoch <c>W - 1</c> on.</param>
    /// <param name="warmupEpochs">Warm-up epochs <c>W</c> (0: <paramref name="finalTemperature"/> throughout).</param>
    public static double TeacherTemperatureAt(long step, long stepsPerEpoch, double warmupTemperature, double finalTemperature, int warmupEpochs)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be >= 0.");
        if (stepsPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "Steps per epoch must be >= 1.");
        long epoch = step / stepsPerEpoch;
        if (epoch >= warmupEpochs) return finalTemperature;
        if (warmupEpochs == 1) return warmupTemperature;
        return warmupTemperature + (finalTemperature - warmupTemperature) * epoch / (warmupEpochs - 1);
    }

    /// <summary>
    /// DINO's <c>clip_gradients</c>: for every parameter with a gradient, <c>coef = clip / (||grad|| + 1e-6)</c>
    /// and the gradient is multiplied by <c>coef</c> when <c>coef &lt; 1</c> (each tensor on its own, not a
    /// global norm).
    /// </summary>
    /// <param name="parameters">The parameters whose gradients to clip.</param>
    /// <param name="clip">The per-tensor norm limit (&gt; 0).</param>
    /// <returns>The gradient norms before clipping, in order (parameters without gradient are skipped).</returns>
    public static IReadOnlyList<double> ClipGradients(IEnumerable<Parameter> parameters, double clip)
    {
        using var scope = torch.NewDisposeScope();
        return ClipGradientsOnDevice(parameters, clip).Select(n => n.ToDouble()).ToList();
    }

    /// <summary>
    /// <see cref="ClipGradients"/> without reading anything on the host (no sync per tensor): the coefficient is
    /// computed on the device in float64 and replaced by 1 where it is not below 1 (so NaN leaves the gradient as
    /// it is, as the host comparison did), then every gradient is multiplied by it.
    /// </summary>
    /// <returns>The gradient norms before clipping as float64 scalars (0-d) in the caller's dispose scope.</returns>
    internal static IReadOnlyList<Tensor> ClipGradientsOnDevice(IEnumerable<Parameter> parameters, double clip)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clip > 0) || double.IsInfinity(clip))
            throw new ArgumentOutOfRangeException(nameof(clip), clip, "The gradient clip must be a finite number > 0 (DINO: 3.0).");
        var norms = new List<Tensor>();
        using var noGrad = torch.no_grad();
        using Scalar tiny = 1e-6, limit = clip, one = 1.0;   // held: see Augment/Functional/ScalarCache
        foreach (var p in parameters)
        {
            var grad = p.grad;
            if (grad is null) continue;
            using var scope = torch.NewDisposeScope();
            var norm = grad.norm().to_type(ScalarType.Float64);                   // [], exact widening
            var denominator = norm.add(tiny);
            var coef = torch.full_like(denominator, limit).div_(denominator);    // clip / (norm + 1e-6) in float64
            var factor = torch.where(coef.lt(one), coef, torch.ones_like(coef));
            grad.mul_(factor.to_type(grad.dtype));
            norms.Add(norm.MoveToOuterDisposeScope());
        }
        return norms;
    }

    /// <summary>Sets the teacher temperature of this step.</summary>
    public override void OnStepStart(TrainingProgress progress) =>
        CurrentTeacherTemperature = TeacherTemperatureAt(progress.Step, Math.Max(1, progress.StepsPerEpoch), WarmupTeacherTemperature,
            TeacherTemperature, WarmupTeacherTemperatureEpochs);

    /// <summary>Clips every gradient tensor, then drops the last layer's gradients during the first epochs.</summary>
    public override void OnAfterBackward(TrainingProgress progress) => AfterBackward(parameters(), head, ClipGradient, progress.Epoch < FreezeLastLayerEpochs);

    /// <summary>DINO's gradient treatment between backward and the optimizer step (shared with iBOT): per-parameter
    /// clipping at <paramref name="clip"/> (0: off), then, while <paramref name="freezeLastLayer"/>, the head's last layer
    /// loses its gradient (DINO's <c>cancel_gradients_last_layer</c>: the optimizer skips the tensor).</summary>
    internal static void AfterBackward(IEnumerable<Parameter> parameters, DINOHead head, double clip, bool freezeLastLayer)
    {
        if (clip > 0)
            using (torch.NewDisposeScope())
                ClipGradientsOnDevice(parameters, clip);
        if (!freezeLastLayer) return;
        foreach (var p in head.LastLayer.parameters())
        {
            var grad = p.grad;
            if (grad is null) continue;
            p.grad = null;
            grad.Dispose();
        }
    }

    /// <summary>Moves the teacher towards the student with the cosine momentum of this step.</summary>
    public override void OnAfterOptimizerStep(TrainingProgress progress) => UpdateTeacher(momentum, progress, teacher_backbone, teacher_head);

    /// <summary>DINO's teacher update after the optimizer step (shared with iBOT): backbone and head move towards the
    /// student with the momentum of this step, <c>m = 1 - (1 - m0)(1 + cos(pi t / T)) / 2</c>.</summary>
    internal static void UpdateTeacher(EmaMomentum momentum, TrainingProgress progress, EmaTeacher<Backbone> backbone, EmaTeacher<DINOHead> head)
    {
        double m = momentum.At(progress);
        backbone.Update(m);
        head.Update(m);
    }

    /// <summary>The hint of DINO's and iBOT's view check when a batch lacks the two global crops the teacher sees.</summary>
    internal const string GlobalCropsHint =
        "The teacher sees the global crops: use a multi-crop augmentation with 2 global crops first, then the local crops.";

    /// <summary>
    /// Teacher on the global crops, student on all crops, DINO loss; in training mode the center then moves.
    /// Returns the loss, the student's features of view 0 <c>[N, D]</c> and its head output <c>[N, K]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global crops or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        CheckViews(views, globalViews: 2, GlobalCropsHint);
        using var scope = torch.NewDisposeScope();
        int g = views.GlobalCount;
        // Student on every crop (one call per resolution, globals first); teacher on the G global crops [G N, C, H, W].
        var pass = ViewEncoder.Encode(views, views.Count, backbone, head.call,
            globals => teacher_head.Module.call(teacher_backbone.Module.call(globals)));
        var teacherOut = pass.Target!;                                                  // [G N, K], no gradient
        var studentOut = pass.Embeddings;                                               // V x [N, K]
        var loss = DINOLoss.Compute(studentOut, teacherOut.chunk(g, 0), center, CurrentTeacherTemperature, StudentTemperature);
        if (training)
            using (no_grad())
                center.copy_(DINOLoss.UpdatedCenter(center, GlobalRowMean(ProcessGroup, teacherOut), CenterMomentum));
        return pass.Output(loss);
    }

    /// <summary>
    /// The rows a center update averages (shared with iBOT): <paramref name="rows"/> <c>[M, K]</c> itself with one
    /// process; with several, their mean over every process's rows as one row <c>[1, K]</c> (sum all-reduced, divided by
    /// the global count, as DINO's and iBOT's <c>update_center</c>).
    /// </summary>
    internal static Tensor GlobalRowMean(IProcessGroup group, Tensor rows)
    {
        if (group.WorldSize == 1) return rows;
        var sum = rows.detach().sum(0, keepdim: true).contiguous();
        group.AllReduceSum(sum);
        using Scalar count = rows.shape[0] * group.WorldSize;   // held: see Augment/Functional/ScalarCache
        return sum.div_(count);
    }

    private static void CheckTemperature(double t, string name, string what)
    {
        if (!(t > 0) || double.IsInfinity(t))
            throw new ArgumentOutOfRangeException(name, t, $"The DINO {what} must be a finite number > 0.");
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>dino</c>: binds <see cref="DINOOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new DINO(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<DINOOptions>("dino"));
}
