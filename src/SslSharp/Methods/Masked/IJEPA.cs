using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Modules;
using SslSharp.Modules.Masking;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Masked;

/// <summary>
/// I-JEPA: from a large context block of an image, predict the target encoder's representations of a few target
/// blocks; the target encoder is an EMA of the context encoder.
/// </summary>
/// <remarks>
/// <para>Assran et al., "Self-Supervised Learning from Images with a Joint-Embedding Predictive Architecture"
/// (CVPR 2023); reference code facebookresearch/ijepa <c>src/train.py</c>. docs/methods.md#i-jepa.</para>
/// <para>One step on one view <c>x</c>: a <see cref="MultiBlockMasking"/> draw per batch from a generator re-seeded
/// from (seed, step) in <see cref="OnStepStart"/>; the target encoder (EMA teacher, no gradient) encodes all patches,
/// its patch tokens <c>[N, L, D]</c> are gathered at each target block; the context encoder (the student ViT)
/// encodes the context patches (<see cref="ITokenBackbone.EncodeTokens"/>, CLS dropped: <c>[N, Kc, D]</c>); the
/// <see cref="IJEPAPredictor"/> predicts <c>[T N, Kt, D]</c>; <see cref="IJEPALoss"/> (smooth-L1 against the
/// layer-normed targets). After the optimizer step the teacher moves with
/// <c>m = </c><see cref="EmaMomentum.Linear"/><c>(step, T, 0.996, 1)</c>. The weight-decay schedule (0.04 -> 0.4)
/// and the optimizer live in the presets. Our ViT has a CLS token (the reference has none): it is encoded but not
/// predicted; the step's features are the context encoder's pooled output (<see cref="ITokenBackbone.Pool"/>, detached;
/// the presets pool the mean of the patch tokens, as the reference evaluates).</para>
/// </remarks>
public sealed class IJEPA : SslMethod
{
    private const long MaskStream = 0x494A_4550; // "IJEP"
    private readonly Backbone backbone;
    private readonly ITokenBackbone tokens;
    private readonly EmaTeacher<Backbone> target_encoder;
    private readonly IJEPAPredictor predictor;
    private readonly MultiBlockMasking masking;
    private readonly StepSeededGenerator masks;

    /// <summary>Creates I-JEPA around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The context encoder, an <see cref="ITokenBackbone"/> (a ViT); the method takes ownership.</param>
    /// <param name="options">The settings (<see cref="IJEPAOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentException">The backbone is not a token backbone, or a setting is out of range.</exception>
    public IJEPA(Backbone backbone, IJEPAOptions options) : base(nameof(IJEPA))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(options);
        tokens = MAE.RequireTokens(backbone, "ijepa");
        EmaMomentum.Check(options.BaseMomentum, nameof(options.BaseMomentum), "The I-JEPA target-encoder momentum", "paper: 0.996");
        var (gh, gw) = tokens.GridSize;
        masking = new MultiBlockMasking(gh, gw, targetBlocks: options.TargetBlocks, minKeep: options.MinKeep);
        this.backbone = backbone;
        Options = options;
        target_encoder = new EmaTeacher<Backbone>(backbone, backbone.CreateTwin(), "target_encoder");
        predictor = new IJEPAPredictor(tokens.TokenDim, gh, gw, options.PredictorDim, options.PredictorDepth, options.PredictorHeads, options.Seed);
        masks = new StepSeededGenerator(options.Seed, MaskStream);
        register_module("backbone", backbone);
        register_module("target_encoder", target_encoder);
        register_module("predictor", predictor);
    }

    /// <summary>The settings this method was built with.</summary>
    public IJEPAOptions Options { get; }

    /// <inheritdoc />
    public override Backbone Encoder => backbone;

    /// <summary>The target encoder (EMA of <see cref="Encoder"/>).</summary>
    public EmaTeacher<Backbone> TargetEncoder => target_encoder;

    /// <summary>The predictor.</summary>
    public IJEPAPredictor Predictor => predictor;

    /// <summary>I-JEPA trains on one view per image.</summary>
    public override int MinimumViews => 1;

    /// <summary>The loss is defined for a single image.</summary>
    public override int MinimumBatchSize => 1;

    /// <summary>Draws the masks of <paramref name="batch"/> images from the mask generator (advancing it).</summary>
    public MultiBlockMask DrawMask(int batch) => masking.Sample(batch, masks.Generator);

    /// <summary>Multi-block masks, target encoder on all patches, context encoder on the context, predictor, I-JEPA loss.
    /// Returns the loss and the context encoder's pooled features <c>[N, D]</c> (detached).</summary>
    /// <exception cref="ArgumentException">No view, or images of another size than the backbone's.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        CheckViews(views);
        using var scope = torch.NewDisposeScope();
        var images = views.Views[0];
        var device = images.device;
        var mask = DrawMask((int)views.BatchSize);   // its tensors live in this scope
        var targetIndices = mask.Targets.Select(t => t.to(device)).ToList();
        var targets = target_encoder.Run(t =>
        {
            var all = ((ITokenBackbone)t).EncodeTokens(images);                             // [N, 1 + L, D]
            var patches = all.narrow(1, 1, all.shape[1] - 1);                               // [N, L, D]
            return torch.cat(targetIndices.Select(i => TokenIndex.Gather(patches, i)).ToArray(), 0); // [T N, Kt, D]
        });
        var context = mask.Context.to(device);
        var encoded = tokens.EncodeTokens(images, context);                                 // [N, 1 + Kc, D]
        var prediction = predictor.call(encoded.narrow(1, 1, encoded.shape[1] - 1), context, targetIndices);
        var loss = IJEPALoss.Compute(prediction, targets);
        return new StepOutput(loss.MoveToOuterDisposeScope(), tokens.Pool(encoded).detach().MoveToOuterDisposeScope());
    }

    /// <summary>Re-seeds the mask generator from (seed, step): the masks are a pure function of the step.</summary>
    public override void OnStepStart(TrainingProgress progress) => masks.Reseed(progress.Step);

    /// <summary>Moves the target encoder towards the context encoder with I-JEPA's linear momentum.</summary>
    public override void OnAfterOptimizerStep(TrainingProgress progress) =>
        target_encoder.Update(EmaMomentum.Linear(progress.Step, Math.Max(1, progress.TotalSteps), Options.BaseMomentum));

    /// <summary>Disposes the modules and the mask generator.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) masks.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>ijepa</c>: binds <see cref="IJEPAOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown, or the backbone is not a ViT.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new IJEPA(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<IJEPAOptions>("ijepa"));
}
