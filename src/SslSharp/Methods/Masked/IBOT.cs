using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Heads;
using SslSharp.Losses;
using SslSharp.Methods.SelfDistillation;
using SslSharp.Modules;
using SslSharp.Modules.Masking;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Methods.Masked;

/// <summary>
/// iBOT: DINO's self-distillation on the [CLS] token plus masked image modelling with an online tokenizer: the student
/// sees its global crops with block-masked patches and, at every masked patch, matches the EMA teacher's distribution
/// for that patch of the unmasked crop.
/// </summary>
/// <remarks>
/// <para>Zhou et al., "iBOT: Image BERT Pre-Training with Online Tokenizer" (ICLR 2022); reference code bytedance/ibot
/// <c>main_ibot.py</c> (<c>train_one_epoch</c>, <c>iBOTLoss</c>), <c>loader.py</c> (<c>ImageFolderMask</c>),
/// <c>models/vision_transformer.py</c> (<c>masked_embed</c>). docs/methods.md#ibot.</para>
/// <para>One step: block masks <c>[G N, L]</c> (<see cref="BlockMasking"/>, a share in <c>U(min, max)</c> of the patches
/// of a crop with probability <see cref="IBOTOptions.MaskProbability"/>, else none) from a generator re-seeded from
/// (seed, step) in <see cref="OnStepStart"/>, so a resumed run draws the masks an uninterrupted one would. The teacher
/// (EMA of backbone and head, no gradient) encodes the <c>G</c> global crops unmasked; the student encodes them with the
/// masked patch embeddings replaced by the learned <c>mask_token</c> (<see cref="VisionTransformer.EncodeMasked"/>) and
/// the local crops unmasked (<c>forward</c>, [CLS] only). One <see cref="DINOHead"/> maps both the pooled token and
/// every patch token to <c>K</c> logits (iBOT's shared head). Loss: <see cref="IBOTLoss"/>; then (training mode) the
/// [CLS] centre and the patch centre move, each with its momentum, towards the mean teacher output of the global batch
/// (sums all-reduced over <see cref="SslMethod.ProcessGroup"/>, as DINO's).</para>
/// <para>As DINO: per-tensor gradient clipping, the head's last layer frozen in the first epochs, teacher EMA
/// <c>m = 1 - (1 - m0)(1 + cos(pi t / T)) / 2</c>, and per-epoch linear warm-ups of both teacher temperatures
/// (<see cref="DINO.TeacherTemperatureAt"/>). The [CLS] token is the backbone's pooled feature
/// (<see cref="VisionTransformerOptions.Pooling"/>: the CLS token by default). The step's features are the student's
/// pooled tokens of global crop 0 (masked in about half the images). AdamW, lr and the weight-decay schedule live in
/// the presets.</para>
/// </remarks>
public sealed class IBOT : SslMethod, IHasProjector
{
    private const long MaskStream = 0x4942_4F54; // "IBOT"
    private readonly VisionTransformer backbone;
    private readonly DINOHead head;
    private readonly Parameter mask_token;
    private readonly EmaTeacher<Backbone> teacher_backbone;
    private readonly EmaTeacher<DINOHead> teacher_head;
    private readonly EmaMomentum momentum;
    private readonly Tensor center;
    private readonly Tensor patch_center;
    private readonly BlockMasking masking;
    private readonly StepSeededGenerator masks;

    /// <summary>Creates iBOT around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The student encoder, a <see cref="VisionTransformer"/>; the method takes ownership.</param>
    /// <param name="options">The settings (<see cref="IBOTOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentException">The backbone is not a ViT, or a setting is out of range.</exception>
    public IBOT(Backbone backbone, IBOTOptions options) : base(nameof(IBOT))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(options);
        MAE.RequireTokens(backbone, "ibot");
        this.backbone = backbone as VisionTransformer ?? throw new ArgumentException(
            $"ibot needs a VisionTransformer backbone (it replaces masked patch embeddings by a mask token), but got {backbone.GetName()}: use --backbone vit-cpu.",
            nameof(backbone));
        foreach (var (t, name) in new[] { (options.StudentTemp, "student_temp"), (options.TeacherTemp, "teacher_temp"), (options.WarmupTeacherTemp, "warmup_teacher_temp"),
                     (options.TeacherPatchTemp, "teacher_patch_temp"), (options.WarmupTeacherPatchTemp, "warmup_teacher_patch_temp") })
            if (!(t > 0) || double.IsInfinity(t))
                throw new ArgumentOutOfRangeException(name, t, $"The iBOT {name} must be a finite number > 0 (student 0.1, teacher 0.04 - 0.07).");
        if (options.WarmupTeacherTempEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(options.WarmupTeacherTempEpochs), options.WarmupTeacherTempEpochs, "warmup_teacher_temp_epochs must be >= 0 (iBOT: 30).");
        foreach (var (m, name) in new[] { (options.CenterMomentum, "center_momentum"), (options.PatchCenterMomentum, "patch_center_momentum") })
            if (!(m >= 0 && m <= 1))
                throw new ArgumentOutOfRangeException(name, m, $"The iBOT {name} must be in [0, 1] (iBOT: 0.9).");
        EmaMomentum.Check(options.BaseMomentum, nameof(options.BaseMomentum), "The iBOT teacher momentum", "paper: 0.996");
        if (options.FreezeLastLayer < 0)
            throw new ArgumentOutOfRangeException(nameof(options.FreezeLastLayer), options.FreezeLastLayer, "freeze_last_layer must be >= 0 epochs (iBOT: 1).");
        if (!(options.ClipGrad >= 0) || double.IsInfinity(options.ClipGrad))
            throw new ArgumentOutOfRangeException(nameof(options.ClipGrad), options.ClipGrad, "clip_grad must be a finite number >= 0 (iBOT: 3.0; 0 turns it off).");
        if (!(options.ClsLossWeight >= 0 && double.IsFinite(options.ClsLossWeight)) || !(options.PatchLossWeight >= 0 && double.IsFinite(options.PatchLossWeight)))
            throw new ArgumentOutOfRangeException(nameof(options.ClsLossWeight), $"({options.ClsLossWeight}, {options.PatchLossWeight})",
                "cls_loss_weight and patch_loss_weight must be finite numbers >= 0 (iBOT: 1 and 1).");
        var (gh, gw) = this.backbone.GridSize;
        masking = new BlockMasking(gh, gw, (options.MaskRatioMin, options.MaskRatioMax), options.MaskProbability);
        Options = options;
        head = new DINOHead(this.backbone.FeatureDim, options.OutDim, options.HiddenDim, options.BottleneckDim, options.HeadLayers, options.NormLastLayer, seed: options.Seed);
        mask_token = new Parameter(torch.zeros(1, 1, this.backbone.TokenDim));   // iBOT's masked_embed starts at zero
        teacher_backbone = new EmaTeacher<Backbone>(backbone, backbone.CreateTwin(), "teacher_backbone");
        teacher_head = new EmaTeacher<DINOHead>(head, head.CreateTwin(), "teacher_head");
        momentum = new EmaMomentum(options.BaseMomentum);
        center = torch.zeros(1, options.OutDim);
        patch_center = torch.zeros(1, 1, options.OutDim);
        masks = new StepSeededGenerator(options.Seed, MaskStream);
        CurrentTeacherTemperature = options.WarmupTeacherTempEpochs > 0 ? options.WarmupTeacherTemp : options.TeacherTemp;
        CurrentTeacherPatchTemperature = options.WarmupTeacherTempEpochs > 0 ? options.WarmupTeacherPatchTemp : options.TeacherPatchTemp;
        register_module("backbone", backbone);
        register_module("head", head);
        register_parameter("mask_token", mask_token);
        register_module("teacher_backbone", teacher_backbone);
        register_module("teacher_head", teacher_head);
        register_buffer("center", center);
        register_buffer("patch_center", patch_center);
    }

    /// <summary>The settings this method was built with.</summary>
    public IBOTOptions Options { get; }

    /// <inheritdoc />
    public override Backbone Encoder => backbone;

    /// <summary>The student's head, shared by the [CLS] and patch tokens.</summary>
    public DINOHead Head => head;

    /// <summary>The student head, for the guillotine probe (<see cref="IHasProjector"/>).</summary>
    nn.Module<Tensor, Tensor> IHasProjector.Projector => head;

    /// <summary>The head's L2-normalised bottleneck <c>[N, BottleneckDim]</c> (as DINO's).</summary>
    public override Tensor? Embed(Tensor features) => head.Bottleneck(features);

    /// <summary>The learned embedding <c>[1, 1, D]</c> that replaces masked patches in the student.</summary>
    public Parameter MaskToken => mask_token;

    /// <summary>The teacher backbone (EMA of <see cref="Encoder"/>).</summary>
    public EmaTeacher<Backbone> TeacherBackbone => teacher_backbone;

    /// <summary>The teacher head (EMA of <see cref="Head"/>).</summary>
    public EmaTeacher<DINOHead> TeacherHead => teacher_head;

    /// <summary>The [CLS] centre <c>[1, K]</c> (a buffer; do not modify).</summary>
    public Tensor Center => center;

    /// <summary>The patch centre <c>[1, 1, K]</c> (a buffer; do not modify).</summary>
    public Tensor PatchCenter => patch_center;

    /// <summary>The teacher [CLS] temperature the next forward uses (set by <see cref="OnStepStart"/>).</summary>
    public double CurrentTeacherTemperature { get; private set; }

    /// <summary>The teacher patch temperature the next forward uses (set by <see cref="OnStepStart"/>).</summary>
    public double CurrentTeacherPatchTemperature { get; private set; }

    /// <summary>iBOT needs two global crops; local crops are optional.</summary>
    public override int MinimumViews => 2;

    /// <summary>Draws the masks of <paramref name="crops"/> global crops (crop-major: crop 0's images first) from the
    /// mask generator (advancing it): <c>[crops, L]</c> boolean, true = masked.</summary>
    public Tensor DrawMask(int crops) => masking.Sample(crops, masks.Generator);

    /// <summary>Re-seeds the mask generator from (seed, step) and sets both teacher temperatures of this step.</summary>
    public override void OnStepStart(TrainingProgress progress)
    {
        masks.Reseed(progress.Step);
        long perEpoch = Math.Max(1, progress.StepsPerEpoch);
        CurrentTeacherTemperature = DINO.TeacherTemperatureAt(progress.Step, perEpoch, Options.WarmupTeacherTemp, Options.TeacherTemp, Options.WarmupTeacherTempEpochs);
        CurrentTeacherPatchTemperature = DINO.TeacherTemperatureAt(progress.Step, perEpoch, Options.WarmupTeacherPatchTemp, Options.TeacherPatchTemp,
            Options.WarmupTeacherTempEpochs);
    }

    /// <summary>Clips every gradient tensor, then drops the last layer's gradients during the first epochs (as DINO).</summary>
    public override void OnAfterBackward(TrainingProgress progress) => DINO.AfterBackward(parameters(), head, Options.ClipGrad, progress.Epoch < Options.FreezeLastLayer);

    /// <summary>Moves the teacher towards the student with the cosine momentum of this step.</summary>
    public override void OnAfterOptimizerStep(TrainingProgress progress) => DINO.UpdateTeacher(momentum, progress, teacher_backbone, teacher_head);

    /// <summary>
    /// Teacher on the unmasked global crops, student on the masked global crops and the local crops, iBOT loss; in
    /// training mode both centres then move. Returns the loss, the student's pooled features of global crop 0
    /// <c>[N, D]</c> and its [CLS] head output <c>[N, K]</c> (both detached); the two loss parts as
    /// <see cref="StepExtras.Scalars"/> (<c>loss_cls</c>, <c>loss_patch</c>).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global crops, too few images, or global crops of another size
    /// than the backbone's.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        CheckViews(views, globalViews: 2, DINO.GlobalCropsHint);
        using var scope = torch.NewDisposeScope();
        int g = views.GlobalCount;
        long n = views.BatchSize;
        var globals = torch.cat(views.Views.Take(g).ToArray(), 0);                            // [G N, C, H, W]
        var mask = DrawMask(g * (int)n).to(globals.device);                                   // [G N, L]

        var (teacherCls, teacherPatches, _) = teacher_backbone.Run(t =>
            Heads(teacher_head.Module, ((VisionTransformer)t).EncodeTokens(globals)));        // [G N, K], [G N, L, K]
        teacherCls = teacherCls.detach();
        teacherPatches = teacherPatches.detach();

        var (studentCls, studentPatches, pooled) = Heads(head, backbone.EncodeMasked(globals, mask, mask_token));
        var clsOutputs = studentCls.chunk(g, 0).ToList();
        foreach (var local in LocalGroups(views))
        {
            var z = head.call(backbone.call(local.Images));                                  // [n N, K]
            clsOutputs.AddRange(local.Count == 1 ? new[] { z } : z.chunk(local.Count, 0));
        }
        var (loss, cls, patch) = IBOTLoss.Compute(clsOutputs, teacherCls.chunk(g, 0), studentPatches.chunk(g, 0), teacherPatches.chunk(g, 0),
            mask.chunk(g, 0), center, patch_center, CurrentTeacherTemperature, CurrentTeacherPatchTemperature, Options.StudentTemp,
            Options.ClsLossWeight, Options.PatchLossWeight);
        if (training)
            using (no_grad())
            {
                center.copy_(DINOLoss.UpdatedCenter(center, DINO.GlobalRowMean(ProcessGroup, teacherCls), Options.CenterMomentum));
                patch_center.copy_(IBOTPatchLoss.UpdatedCenter(patch_center, DINO.GlobalRowMean(ProcessGroup, teacherPatches.mean(new long[] { 1 })).unsqueeze(1),
                    Options.PatchCenterMomentum));
            }
        var features = pooled.narrow(0, 0, n).detach();
        return new StepOutput(loss.MoveToOuterDisposeScope(), features.MoveToOuterDisposeScope(), clsOutputs[0].detach().MoveToOuterDisposeScope())
        {
            Extras = new StepExtras { Scalars = new Dictionary<string, Tensor> { ["loss_cls"] = cls, ["loss_patch"] = patch } }.MoveToOuterDisposeScope(),
        };
    }

    /// <summary>The head on the pooled token and on every patch token of <paramref name="tokens"/> <c>[M, 1 + L, D]</c>
    /// in one call: <c>[M, K]</c> and <c>[M, L, K]</c>, and the pooled tokens <c>[M, D]</c>.</summary>
    private (Tensor Cls, Tensor Patches, Tensor Pooled) Heads(DINOHead h, Tensor tokens)
    {
        long m = tokens.shape[0], l = tokens.shape[1] - 1, d = tokens.shape[2];
        var patches = tokens.narrow(1, 1, l);                                                  // [M, L, D]
        var pooled = backbone.Pool(tokens);
        var z = h.call(torch.cat(new[] { pooled, patches.reshape(m * l, d) }, 0));            // [M + M L, K]
        return (z.narrow(0, 0, m), z.narrow(0, m, m * l).reshape(m, l, -1), pooled);
    }

    /// <summary>The local crops, consecutive crops of one size concatenated: <c>[n N, C, h, w]</c> per group.</summary>
    private static IEnumerable<(Tensor Images, int Count)> LocalGroups(ViewBatch views)
    {
        foreach (var (start, count) in views.ResolutionGroups())
        {
            int from = Math.Max(start, views.GlobalCount);
            int k = start + count - from;
            if (k <= 0) continue;
            yield return (k == 1 ? views.Views[from] : torch.cat(views.Views.Skip(from).Take(k).ToArray(), 0), k);
        }
    }

    /// <summary>Disposes the modules and the mask generator.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) masks.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>ibot</c>: binds <see cref="IBOTOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown, or the backbone is not a ViT.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new IBOT(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<IBOTOptions>("ibot"));
}
