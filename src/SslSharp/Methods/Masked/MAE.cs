using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Modules.Masking;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Masked;

/// <summary>
/// MAE: mask most patches of an image, encode only the visible ones, and let a light decoder reconstruct the
/// pixels of the masked ones.
/// </summary>
/// <remarks>
/// <para>He et al., "Masked Autoencoders Are Scalable Vision Learners" (CVPR 2022); reference code
/// facebookresearch/mae <c>models_mae.py</c> (<c>random_masking</c>, <c>forward_encoder</c>, <c>forward_decoder</c>,
/// <c>forward_loss</c>). Uniform masking: Li et al. 2022 (UM-MAE). docs/methods.md#mae.</para>
/// <para>One step on one view <c>x [N, C, H, W]</c> (MAE uses crop and flip only): a mask per image
/// (<see cref="TokenIndex.RandomMasking"/> or <see cref="UniformMasking.Sample"/>) from a generator re-seeded from
/// (seed, step) in <see cref="OnStepStart"/>, so a resumed run draws the masks an uninterrupted one would; the
/// encoder on the kept patches (<see cref="ITokenBackbone.EncodeTokens"/>, <c>[N, 1 + K, D]</c>); the
/// <see cref="MAEDecoder"/> to <c>[N, L, p p C]</c>; <see cref="MAELoss"/> against <see cref="Patches.Patchify"/>
/// of <c>x</c> on the masked patches. The step's features are the encoder's CLS output on the visible patches
/// (detached; evaluation encodes whole images). <see cref="StepOutput.Extras"/> carries the mask <c>[N, L]</c>
/// (1 = masked) and the prediction <c>[N, L, p p C]</c>.</para>
/// <para>MAE has no projector: <see cref="SslMethod.Embed"/> is null. The optimizer recipe (AdamW, betas 0.9/0.95,
/// wd 0.05, lr 1.5e-4 x N/256, warm-up and cosine) lives in the presets.</para>
/// </remarks>
public sealed class MAE : SslMethod
{
    private const long MaskStream = 0x4D41_45; // "MAE"
    private readonly Backbone backbone;
    private readonly ITokenBackbone tokens;
    private readonly MAEDecoder decoder;
    private readonly StepSeededGenerator masks;

    /// <summary>Creates MAE around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder, an <see cref="ITokenBackbone"/> (a ViT); the method takes ownership.</param>
    /// <param name="options">The settings (<see cref="MAEOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentException">The backbone is not a token backbone, or a setting is out of range.</exception>
    public MAE(Backbone backbone, MAEOptions options) : base(nameof(MAE))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(options);
        tokens = RequireTokens(backbone, "mae");
        var (gh, gw) = tokens.GridSize;
        if (options.Masking == MAEMasking.Random) TokenIndex.KeepCount(tokens.NumPatches, options.MaskRatio);
        else if (gh % 2 != 0 || gw % 2 != 0)
            throw new ArgumentException(
                $"Uniform masking keeps one patch of every 2x2 block, so the patch grid must be even, but it is {gh}x{gw}. " +
                "Choose a patch size giving an even grid (28 px: --patch-size 7; 32 px: 4), or use masking=random.");
        this.backbone = backbone;
        Options = options;
        decoder = new MAEDecoder(tokens.TokenDim, gh, gw, tokens.PatchSize * tokens.PatchSize * backbone.InputChannels,
            options.DecoderDim, options.DecoderDepth, options.DecoderHeads, options.DecoderMlpRatio, options.Seed);
        masks = new StepSeededGenerator(options.Seed, MaskStream);
        register_module("backbone", backbone);
        register_module("decoder", decoder);
    }

    /// <summary>The backbone as a token backbone, or one message saying a ViT is needed.</summary>
    internal static ITokenBackbone RequireTokens(Backbone backbone, string method) =>
        backbone as ITokenBackbone ?? throw new ArgumentException(
            $"{method} needs a ViT backbone (it encodes a subset of patch tokens), but got {backbone.GetName()}: use --backbone vit-cpu " +
            "(or vit-tiny, vit-small, vit-base).", nameof(backbone));

    /// <summary>The settings this method was built with.</summary>
    public MAEOptions Options { get; }

    /// <inheritdoc />
    public override Backbone Encoder => backbone;

    /// <summary>The decoder.</summary>
    public MAEDecoder Decoder => decoder;

    /// <summary>MAE trains on one view per image.</summary>
    public override int MinimumViews => 1;

    /// <summary>The loss is defined for a single image.</summary>
    public override int MinimumBatchSize => 1;

    /// <summary>The generator the masks of the current step come from (re-seeded by <see cref="OnStepStart"/>).</summary>
    internal Generator MaskGenerator => masks.Generator;

    /// <summary>Draws the masks of <paramref name="batch"/> images from the mask generator (advancing it).</summary>
    public TokenMask DrawMask(int batch) => DrawMask(batch, masks.Generator);

    /// <summary>Draws the masks of <paramref name="batch"/> images with this method's scheme from <paramref name="generator"/>
    /// (e.g. a fixed seed for pictures, leaving the training generator alone).</summary>
    public TokenMask DrawMask(int batch, Generator generator)
    {
        var (gh, gw) = tokens.GridSize;
        return Options.Masking == MAEMasking.Random
            ? TokenIndex.RandomMasking(batch, tokens.NumPatches, Options.MaskRatio, generator)
            : UniformMasking.Sample(batch, gh, gw, generator);
    }

    /// <summary>The encoder's patch side in pixels.</summary>
    public int PatchSize => tokens.PatchSize;

    /// <summary>Reconstruction of <paramref name="images"/> <c>[N, C, H, W]</c> under <paramref name="mask"/>: the
    /// loss (0-d) and the prediction <c>[N, L, p p C]</c> (in norm-pix units when <see cref="MAEOptions.NormPixLoss"/>),
    /// plus the encoder tokens <c>[N, 1 + K, D]</c>.</summary>
    public (Tensor Loss, Tensor Prediction, Tensor Tokens) Reconstruct(Tensor images, TokenMask mask)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(mask);
        using var scope = torch.NewDisposeScope();
        var device = images.device;
        var encoded = tokens.EncodeTokens(images, mask.Keep.to(device));          // [N, 1 + K, D]
        var prediction = decoder.call(encoded, mask.Restore.to(device));          // [N, L, p p C]
        var target = Patches.Patchify(images, tokens.PatchSize);                  // [N, L, p p C]
        var loss = MAELoss.Compute(prediction, target, mask.Mask.to(device), Options.NormPixLoss);
        return (loss.MoveToOuterDisposeScope(), prediction.MoveToOuterDisposeScope(), encoded.MoveToOuterDisposeScope());
    }

    /// <summary>Masks view 0, encodes the visible patches, decodes and returns the MAE loss, the CLS features
    /// <c>[N, D]</c> (detached) and the mask and prediction as <see cref="StepOutput.Extras"/>.</summary>
    /// <exception cref="ArgumentException">No view, or images of another size than the backbone's.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        CheckViews(views);
        using var scope = torch.NewDisposeScope();
        var images = views.Views[0];
        var mask = DrawMask((int)views.BatchSize);
        var (loss, prediction, encoded) = Reconstruct(images, mask);
        var features = tokens.Pool(encoded);
        var extras = new StepExtras { Mask = mask.Mask.to(images.device), Reconstruction = prediction.detach() };
        return new StepOutput(loss.MoveToOuterDisposeScope(), features.detach().MoveToOuterDisposeScope())
        {
            Extras = extras.MoveToOuterDisposeScope(),
        };
    }

    /// <summary>Re-seeds the mask generator from (seed, step): the masks are a pure function of the step.</summary>
    public override void OnStepStart(TrainingProgress progress) => masks.Reseed(progress.Step);

    /// <summary>Disposes the modules and the mask generator.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) masks.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>mae</c>: binds <see cref="MAEOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown, or the backbone is not a ViT.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new MAE(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<MAEOptions>("mae"));
}
