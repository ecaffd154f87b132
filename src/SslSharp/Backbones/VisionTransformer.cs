using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// A Vision Transformer backbone (Dosovitskiy et al., ICLR 2021): patch embedding, a CLS token, fixed 2-D
/// sine-cosine positions, pre-norm transformer blocks and a final LayerNorm. <c>forward</c> maps images
/// <c>[N, C, H, W]</c> to the pooled feature <c>[N, D]</c> (CLS token or mean of the patch tokens);
/// <see cref="EncodeTokens"/> encodes a subset of the patches and returns every token (MAE, I-JEPA);
/// <see cref="EncodeMasked"/> encodes all patches with the masked ones replaced by a mask token (iBOT).
/// </summary>
/// <remarks>
/// <para>Layout and state-dict keys as timm's <c>VisionTransformer</c> and facebookresearch/mae
/// <c>models_mae.py</c>: <c>patch_embed.proj.*</c>, <c>cls_token</c> <c>[1, 1, D]</c>, <c>pos_embed</c>
/// <c>[1, 1 + L, D]</c> (a buffer: the positions are fixed, MAE's <c>get_2d_sincos_pos_embed</c> with a zero CLS
/// position, see <see cref="SinCosPositions"/>), <c>blocks.{i}.*</c> (<see cref="VitBlock"/>), <c>norm.*</c>.</para>
/// <para>Initialisation as MAE, from a generator seeded with <c>seed</c>: Xavier-uniform linear weights and zero
/// biases, the patch projection Xavier-uniform on its flattened <c>[D, C p p]</c> view, CLS token N(0, 0.02^2),
/// LayerNorms 1 / 0.</para>
/// <para>Images of another size than <see cref="VisionTransformerOptions.ImageSize"/> (multi-crop's local crops)
/// work in <c>forward</c> when their sides are multiples of the patch: the position grid is resized bicubically,
/// as DINO's <c>interpolate_pos_encoding</c>. <see cref="EncodeTokens"/> needs the built size.</para>
/// <para>Stochastic depth draws from this backbone's own generator, re-seeded every training step from
/// (seed, step) through <see cref="IStepSeeded"/>, so runs and resumed runs repeat exactly.
/// Layer ids for layer-wise lr decay (<see cref="ILayerIds"/>): patch embedding, CLS token and positions 0,
/// block <c>i</c> <c>i + 1</c>, the final norm <c>depth + 1</c>.</para>
/// </remarks>
public sealed class VisionTransformer : Backbone, ITokenBackbone, INoWeightDecay, IStepSeeded, ILayerIds
{
    private const long DropPathStream = 0x5649_5444; // "VITD"
    private readonly PatchEmbed patch_embed;
    private readonly Parameter cls_token;
    private readonly Tensor pos_embed;
    private readonly ModuleList<VitBlock> blocks;
    private readonly LayerNorm norm;
    private readonly StepSeededGenerator dropPathGenerator;
    private readonly long seed;

    /// <summary>Builds the transformer <paramref name="options"/> describes.</summary>
    /// <param name="options">The shape (image and patch size, width, depth, heads, stabilisers).</param>
    /// <param name="seed">Seed of the weight initialisation and of the stochastic-depth draws.</param>
    /// <exception cref="ArgumentException">A size does not fit (the message says which).</exception>
    public VisionTransformer(VisionTransformerOptions options, long seed = 0) : base("vit")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Dim % 4 != 0)
            throw new ArgumentException($"The ViT width must be a multiple of 4 for 2-D sine-cosine positions, got {options.Dim}.");
        Options = options;
        this.seed = seed;
        int d = options.Dim, side = options.GridSide;
        dropPathGenerator = new StepSeededGenerator(seed, DropPathStream);

        patch_embed = new PatchEmbed(options.InChannels, d, options.PatchSize);
        cls_token = new Parameter(torch.zeros(1, 1, d));
        pos_embed = SinCosPositions.Create(d, side, side).unsqueeze(0);
        int hidden = (int)(d * options.MlpRatio);
        var rates = Enumerable.Range(0, options.Depth)
            .Select(i => options.Depth == 1 ? 0.0 : options.DropPathRate * i / (options.Depth - 1)).ToArray(); // linspace(0, rate, depth)
        if (options.Depth == 1) rates[0] = options.DropPathRate;
        blocks = new ModuleList<VitBlock>(rates
            .Select(r => new VitBlock(d, options.Heads, hidden, options.QkvBias, r, options.LayerScaleInit, dropPathGenerator.Generator)).ToArray());
        norm = nn.LayerNorm(d, eps: 1e-6);
        register_module("patch_embed", patch_embed);
        register_parameter("cls_token", cls_token);
        register_buffer("pos_embed", pos_embed);
        register_module("blocks", blocks);
        register_module("norm", norm);
        Initialize(seed);
        if (options.FrozenPatchProjection)
            foreach (var p in patch_embed.parameters()) p.requires_grad = false;
    }

    private void Initialize(long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var _ = torch.no_grad();
        var proj = patch_embed.Projection;
        long fanIn = proj.weight!.numel() / proj.weight.shape[0];
        XavierUniform(proj.weight, fanIn, proj.weight.shape[0], generator);
        double bound = 1.0 / Math.Sqrt(fanIn);
        proj.bias?.uniform_(-bound, bound, generator);
        cls_token.normal_(0, 0.02, generator);
        foreach (var (_, m) in named_modules())
            if (m is Linear linear)
            {
                XavierUniform(linear.weight!, linear.weight!.shape[1], linear.weight.shape[0], generator);
                linear.bias?.zero_();
            }
    }

    private static void XavierUniform(Tensor weight, long fanIn, long fanOut, Generator generator)
    {
        double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        weight.uniform_(-bound, bound, generator);
    }

    /// <summary>The shape this transformer was built with.</summary>
    public VisionTransformerOptions Options { get; }

    /// <inheritdoc />
    public override int FeatureDim => Options.Dim;

    /// <inheritdoc />
    public override int InputChannels => Options.InChannels;

    /// <inheritdoc />
    public int PatchSize => Options.PatchSize;

    /// <inheritdoc />
    public (int Height, int Width) GridSize => (Options.GridSide, Options.GridSide);

    /// <inheritdoc />
    public int NumPatches => Options.GridSide * Options.GridSide;

    /// <inheritdoc />
    public int TokenDim => Options.Dim;

    /// <inheritdoc />
    public bool HasClsToken => true;

    /// <summary>The transformer blocks, first to last.</summary>
    public IReadOnlyList<VitBlock> Blocks => blocks.ToList();

    /// <summary>The fixed position embeddings <c>[1, 1 + L, D]</c> (CLS first, all zeros).</summary>
    public Tensor PositionEmbedding => pos_embed;

    /// <summary>A new ViT of the same shape without stochastic depth (fresh weights): an EMA teacher or target
    /// encoder sees whole networks (DINO, iBOT and I-JEPA build theirs with drop-path rate 0).</summary>
    public override Backbone CreateTwin() => new VisionTransformer(Options with { DropPathRate = 0 }, seed);

    /// <summary>timm's <c>no_weight_decay()</c>: positions, CLS token, norms and biases.</summary>
    public IEnumerable<string> NoWeightDecayNames => new[] { "pos_embed", "cls_token", "norm.*", "blocks.*.norm*", "*.bias" };

    /// <inheritdoc />
    public void Reseed(long step) => dropPathGenerator.Reseed(step);

    /// <inheritdoc />
    public int LayerCount => Options.Depth;

    /// <inheritdoc />
    public int LayerId(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name is "cls_token" or "pos_embed" || name.StartsWith("patch_embed.", StringComparison.Ordinal)) return 0;
        if (name.StartsWith("blocks.", StringComparison.Ordinal))
        {
            var index = name["blocks.".Length..].Split('.')[0];
            return int.Parse(index, CultureInfo.InvariantCulture) + 1;
        }
        return Options.Depth + 1;
    }

    /// <summary>The pooled feature <c>[N, D]</c> of images <c>[N, C, H, W]</c>: the CLS token or the mean of the patch
    /// tokens after the final norm (<see cref="VisionTransformerOptions.Pooling"/>).</summary>
    /// <exception cref="ArgumentException">Wrong channel count, or a side that is not a multiple of the patch.</exception>
    public override Tensor forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var tokens = Encode(images, null, allowOtherSizes: true);
        return Pool(tokens).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Pool(Tensor tokens) =>
        Options.Pooling == VitPooling.Cls ? tokens.select(1, 0) : tokens.narrow(1, 1, tokens.shape[1] - 1).mean(new long[] { 1 });

    /// <inheritdoc />
    public Tensor EncodeTokens(Tensor images, Tensor? keep = null)
    {
        using var scope = torch.NewDisposeScope();
        return Encode(images, keep, allowOtherSizes: false).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Encodes every patch of <paramref name="images"/>, with the embedding of each patch that <paramref name="mask"/>
    /// marks replaced by <paramref name="maskToken"/> before the positions are added (iBOT's masked student, and BEiT's);
    /// returns every token after the final norm, <c>[N, 1 + L, D]</c>, CLS first, patches in grid order.
    /// </summary>
    /// <remarks>bytedance/ibot <c>models/vision_transformer.py</c> (<c>prepare_tokens</c>, <c>mask_model</c>): the
    /// token is learned by the caller (the method owns it, so a ViT's own weights and names stay timm's).</remarks>
    /// <param name="images"><c>[N, C, H, W]</c> of the size the backbone was built for.</param>
    /// <param name="mask"><c>[N, L]</c> boolean, true = replace this patch's embedding.</param>
    /// <param name="maskToken">The learned mask embedding, <c>D</c> entries (e.g. <c>[1, 1, D]</c>).</param>
    /// <exception cref="ArgumentException">Wrong image size, a mask that is not <c>[N, L]</c> boolean, or a token of another width.</exception>
    public Tensor EncodeMasked(Tensor images, Tensor mask, Tensor maskToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(maskToken);
        if (mask.dim() != 2 || mask.shape[0] != images.shape[0] || mask.shape[1] != NumPatches || mask.dtype != ScalarType.Bool)
            throw new ArgumentException(
                $"A patch mask must be boolean [{images.shape[0]}, {NumPatches}] (true = masked) but is {mask.dtype} [{string.Join(", ", mask.shape)}].", nameof(mask));
        if (maskToken.numel() != Options.Dim)
            throw new ArgumentException($"The mask token must have the ViT width {Options.Dim} entries but has {maskToken.numel()}.", nameof(maskToken));
        using var scope = torch.NewDisposeScope();
        return Encode(images, null, allowOtherSizes: false, (mask, maskToken)).MoveToOuterDisposeScope();
    }

    private Tensor Encode(Tensor images, Tensor? keep, bool allowOtherSizes, (Tensor Mask, Tensor Token)? masked = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckInput(images);
        long h = images.shape[2], w = images.shape[3];
        int p = Options.PatchSize;
        if (h % p != 0 || w % p != 0 || (!allowOtherSizes && (h != Options.ImageSize || w != Options.ImageSize)))
            throw new ArgumentException(
                $"{GetName()} was built for {Options.ImageSize}x{Options.ImageSize} images with {p} px patches but got {h}x{w}. " +
                (allowOtherSizes
                    ? $"Image sides must be multiples of the patch size {p}; set the backbone's patch size to one that divides the image (and crop) sizes."
                    : "Encoding tokens needs the size the backbone was built for; build it with the data set's image size."),
                nameof(images));
        long n = images.shape[0];
        var patches = patch_embed.Patchify(images); // [N, L, C p p]
        var pos = Positions((int)(h / p), (int)(w / p));
        var patchPos = pos.narrow(1, 1, pos.shape[1] - 1).expand(n, -1, -1); // [N, L, D]
        if (keep is not null)
        {
            if (keep.dim() != 2 || keep.shape[0] != n || keep.dtype != ScalarType.Int64)
                throw new ArgumentException(
                    $"Kept patch indices must be int64 [{n}, L_keep] but are {keep.dtype} [{string.Join(", ", keep.shape)}].", nameof(keep));
            // Only the kept patches are projected (the same result as projecting all and then selecting).
            var index = keep.to(images.device).unsqueeze(-1);
            patches = patches.gather(1, index.expand(-1, -1, patches.shape[2]));
            patchPos = patchPos.gather(1, index.expand(-1, -1, patchPos.shape[2]));
        }
        var embedded = patch_embed.Project(patches);                          // [N, L_keep, D]
        if (masked is var (m, token))
            embedded = torch.where(m.to(images.device).unsqueeze(-1), token.reshape(1, 1, -1).to(embedded.dtype), embedded);
        var x = embedded + patchPos;
        var cls = (cls_token + pos.narrow(1, 0, 1)).expand(n, -1, -1);
        x = torch.cat(new[] { cls, x }, 1);
        foreach (var block in blocks) x = block.call(x);
        return norm.call(x);
    }

    /// <summary>Positions <c>[1, 1 + gh*gw, D]</c>: the stored table, or its patch grid resized bicubically.</summary>
    private Tensor Positions(int gh, int gw)
    {
        int side = Options.GridSide;
        if (gh == side && gw == side) return pos_embed;
        long d = Options.Dim;
        var grid = pos_embed.narrow(1, 1, (long)side * side).reshape(1, side, side, d).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(grid, size: new long[] { gh, gw }, mode: InterpolationMode.Bicubic, align_corners: false);
        return torch.cat(new[] { pos_embed.narrow(1, 0, 1), resized.permute(0, 2, 3, 1).reshape(1, (long)gh * gw, d) }, 1);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) dropPathGenerator.Dispose();
        base.Dispose(disposing);
    }
}
