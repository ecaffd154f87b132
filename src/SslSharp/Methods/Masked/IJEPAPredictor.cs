using SslSharp.Backbones;
using SslSharp.Modules.Masking;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Methods.Masked;

/// <summary>
/// I-JEPA's narrow predictor: from the context tokens of an image and the positions of one target block, the
/// predicted target-encoder tokens there.
/// </summary>
/// <remarks>
/// <para>Assran et al., "Self-Supervised Learning from Images with a Joint-Embedding Predictive Architecture"
/// (CVPR 2023), section 3; facebookresearch/ijepa <c>src/models/vision_transformer.py</c>
/// (<c>VisionTransformerPredictor</c>). docs/methods.md#i-jepa.</para>
/// <para>Context tokens <c>[N, Kc, D]</c> -> <c>Linear(D, Dp)</c> + fixed 2-D sine-cosine positions of the context
/// patches; per target block <c>t</c>, <c>Kt</c> query tokens = one learned mask token + the positions of the block's
/// patches; the <c>T</c> blocks are stacked along the batch (<c>[T N, Kc + Kt, Dp]</c>), go through <c>depth</c>
/// pre-norm <see cref="VitBlock"/>s and a LayerNorm; the last <c>Kt</c> outputs -> <c>Linear(Dp, D)</c>:
/// <c>[T N, Kt, D]</c>, block-major (rows <c>t N .. t N + N - 1</c> are block <c>t</c>). Linear weights
/// N(0, 0.02), zero biases, mask token N(0, 0.02) (the reference truncates at 2 sigma and rescales the block
/// output projections by depth; neither is done here).</para>
/// </remarks>
public sealed class IJEPAPredictor : nn.Module<Tensor, Tensor, IReadOnlyList<Tensor>, Tensor>
{
    private readonly Linear predictor_embed;
    private readonly Parameter mask_token;
    private readonly Tensor predictor_pos_embed;
    private readonly ModuleList<VitBlock> predictor_blocks;
    private readonly LayerNorm predictor_norm;
    private readonly Linear predictor_proj;
    private readonly Generator dropPathGenerator;

    /// <summary>Builds the predictor.</summary>
    /// <param name="encoderDim">Encoder token width <c>D</c>.</param>
    /// <param name="gridHeight">Patch rows.</param>
    /// <param name="gridWidth">Patch columns.</param>
    /// <param name="dim">Predictor width <c>Dp</c>, a multiple of 4 and of <paramref name="heads"/>.</param>
    /// <param name="depth">Predictor blocks (&gt;= 1).</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="seed">Seed of the initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public IJEPAPredictor(int encoderDim, int gridHeight, int gridWidth, int dim, int depth, int heads, long seed) : base("IJEPAPredictor")
    {
        if (dim < 4 || dim % 4 != 0)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "The I-JEPA predictor width must be a positive multiple of 4 (sine-cosine positions); paper: 384.");
        if (heads < 1 || dim % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"The I-JEPA predictor heads must divide its width {dim}.");
        if (depth < 1)
            throw new ArgumentOutOfRangeException(nameof(depth), depth, "The I-JEPA predictor needs at least 1 block (paper: 12).");
        Dim = dim;
        dropPathGenerator = new Generator((ulong)seed);
        predictor_embed = nn.Linear(encoderDim, dim);
        mask_token = new Parameter(torch.zeros(1, 1, dim));
        predictor_pos_embed = SinCosPositions.Create(dim, gridHeight, gridWidth, clsToken: false).unsqueeze(0);   // [1, L, Dp]
        predictor_blocks = new ModuleList<VitBlock>(Enumerable.Range(0, depth)
            .Select(_ => new VitBlock(dim, heads, 4 * dim, qkvBias: true, dropPath: 0, layerScaleInit: null, dropPathGenerator)).ToArray());
        predictor_norm = nn.LayerNorm(dim, eps: 1e-6);
        predictor_proj = nn.Linear(dim, encoderDim);
        register_module("predictor_embed", predictor_embed);
        register_parameter("mask_token", mask_token);
        register_buffer("predictor_pos_embed", predictor_pos_embed);
        register_module("predictor_blocks", predictor_blocks);
        register_module("predictor_norm", predictor_norm);
        register_module("predictor_proj", predictor_proj);
        using var generator = new Generator((ulong)seed ^ 0x494A_4550UL);
        using var _ = torch.no_grad();
        mask_token.normal_(0, 0.02, generator);
        foreach (var (_, m) in named_modules())
            if (m is Linear linear)
            {
                linear.weight!.normal_(0, 0.02, generator);
                linear.bias?.zero_();
            }
    }

    /// <summary>Predictor width <c>Dp</c>.</summary>
    public int Dim { get; }

    /// <summary>Predictions <c>[T N, Kt, D]</c> for context tokens <c>[N, Kc, D]</c> at patch indices <c>[N, Kc]</c> and
    /// <c>T</c> target blocks of indices <c>[N, Kt]</c> each.</summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public override Tensor forward(Tensor context, Tensor contextIndices, IReadOnlyList<Tensor> targets)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(contextIndices);
        ArgumentNullException.ThrowIfNull(targets);
        if (context.dim() != 3 || contextIndices.dim() != 2 || context.shape[1] != contextIndices.shape[1] || targets.Count < 1)
            throw new ArgumentException(
                $"The I-JEPA predictor expects context tokens [N, Kc, D], their indices [N, Kc] and at least one target block, but got " +
                $"[{string.Join(", ", context.shape)}], [{string.Join(", ", contextIndices.shape)}] and {targets.Count} block(s).");
        using var scope = torch.NewDisposeScope();
        long n = context.shape[0];
        var pos = predictor_pos_embed.expand(n, -1, -1);                                    // [N, L, Dp]
        var x = predictor_embed.call(context) + TokenIndex.Gather(pos, contextIndices.to(context.device));   // [N, Kc, Dp]
        var queries = targets.Select(t => TokenIndex.Gather(pos, t.to(context.device)) + mask_token).ToArray(); // T x [N, Kt, Dp]
        long kt = queries[0].shape[1];
        var h = torch.cat(new[] { x.repeat(targets.Count, 1, 1), torch.cat(queries, 0) }, 1); // [T N, Kc + Kt, Dp]
        foreach (var block in predictor_blocks) h = block.call(h);
        h = predictor_norm.call(h);
        return predictor_proj.call(h.narrow(1, h.shape[1] - kt, kt)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) dropPathGenerator.Dispose();
        base.Dispose(disposing);
    }
}
