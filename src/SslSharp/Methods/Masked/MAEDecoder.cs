using SslSharp.Backbones;
using SslSharp.Modules.Masking;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Methods.Masked;

/// <summary>
/// MAE's light decoder: encoder tokens of the visible patches in, predicted pixels of every patch out.
/// </summary>
/// <remarks>
/// <para>He et al., "Masked Autoencoders Are Scalable Vision Learners" (CVPR 2022), section 3; facebookresearch/mae
/// <c>models_mae.py</c> <c>forward_decoder</c>. docs/methods.md#mae.</para>
/// <para>Encoder output <c>[N, 1 + K, D]</c> (CLS first) -> <c>Linear(D, Dd)</c>; one learnable mask token fills the
/// <c>L - K</c> masked positions and the sequence is put back in patch order (<see cref="TokenIndex.Restore"/>); fixed
/// 2-D sine-cosine positions <c>[1, 1 + L, Dd]</c> are added; <c>depth</c> pre-norm <see cref="VitBlock"/>s, a
/// LayerNorm and <c>Linear(Dd, p p C)</c> follow; the CLS output is dropped: <c>[N, L, p p C]</c>.
/// Initialisation as MAE's: Xavier-uniform linear weights, zero biases, mask token N(0, 0.02).</para>
/// </remarks>
public sealed class MAEDecoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear decoder_embed;
    private readonly Parameter mask_token;
    private readonly Tensor decoder_pos_embed;
    private readonly ModuleList<VitBlock> decoder_blocks;
    private readonly LayerNorm decoder_norm;
    private readonly Linear decoder_pred;
    private readonly Generator dropPathGenerator;

    /// <summary>Builds the decoder.</summary>
    /// <param name="encoderDim">Encoder token width <c>D</c>.</param>
    /// <param name="gridHeight">Patch rows.</param>
    /// <param name="gridWidth">Patch columns.</param>
    /// <param name="patchValues">Values per patch <c>p p C</c> (the prediction width).</param>
    /// <param name="dim">Decoder width <c>Dd</c>, a multiple of 4 and of <paramref name="heads"/>.</param>
    /// <param name="depth">Decoder blocks (&gt;= 1).</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="mlpRatio">MLP hidden width over <c>Dd</c>.</param>
    /// <param name="seed">Seed of the initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public MAEDecoder(int encoderDim, int gridHeight, int gridWidth, int patchValues, int dim, int depth, int heads, double mlpRatio, long seed)
        : base("MAEDecoder")
    {
        if (dim < 4 || dim % 4 != 0)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "The MAE decoder width must be a positive multiple of 4 (sine-cosine positions); paper: 512.");
        if (heads < 1 || dim % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"The MAE decoder heads must divide its width {dim} (paper: 16 heads of 512).");
        if (depth < 1)
            throw new ArgumentOutOfRangeException(nameof(depth), depth, "The MAE decoder needs at least 1 block (paper: 8).");
        if (!(mlpRatio > 0))
            throw new ArgumentOutOfRangeException(nameof(mlpRatio), mlpRatio, "The MAE decoder MLP ratio must be > 0 (paper: 4).");
        NumPatches = gridHeight * gridWidth;
        Dim = dim;
        dropPathGenerator = new Generator((ulong)seed);
        decoder_embed = nn.Linear(encoderDim, dim);
        mask_token = new Parameter(torch.zeros(1, 1, dim));
        decoder_pos_embed = SinCosPositions.Create(dim, gridHeight, gridWidth).unsqueeze(0);
        int hidden = Math.Max(1, (int)(dim * mlpRatio));
        decoder_blocks = new ModuleList<VitBlock>(Enumerable.Range(0, depth)
            .Select(_ => new VitBlock(dim, heads, hidden, qkvBias: true, dropPath: 0, layerScaleInit: null, dropPathGenerator)).ToArray());
        decoder_norm = nn.LayerNorm(dim, eps: 1e-6);
        decoder_pred = nn.Linear(dim, patchValues);
        register_module("decoder_embed", decoder_embed);
        register_parameter("mask_token", mask_token);
        register_buffer("decoder_pos_embed", decoder_pos_embed);
        register_module("decoder_blocks", decoder_blocks);
        register_module("decoder_norm", decoder_norm);
        register_module("decoder_pred", decoder_pred);
        Initialize(seed);
    }

    /// <summary>Patches per image <c>L</c>.</summary>
    public int NumPatches { get; }

    /// <summary>Decoder width <c>Dd</c>.</summary>
    public int Dim { get; }

    private void Initialize(long seed)
    {
        using var generator = new Generator((ulong)seed ^ 0x4D41_4544UL);
        using var _ = torch.no_grad();
        mask_token.normal_(0, 0.02, generator);
        foreach (var (_, m) in named_modules())
            if (m is Linear linear)
            {
                double bound = Math.Sqrt(6.0 / (linear.weight!.shape[1] + linear.weight.shape[0]));
                linear.weight.uniform_(-bound, bound, generator);
                linear.bias?.zero_();
            }
    }

    /// <summary>Predicted patches <c>[N, L, p p C]</c> from the encoder's tokens <c>[N, 1 + K, D]</c> (CLS first) and
    /// the restore indices <c>[N, L]</c> of the mask (<see cref="TokenMask.Restore"/>).</summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public override Tensor forward(Tensor tokens, Tensor restore)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(restore);
        if (tokens.dim() != 3 || restore.dim() != 2 || restore.shape[1] != NumPatches || tokens.shape[0] != restore.shape[0])
            throw new ArgumentException(
                $"The MAE decoder expects tokens [N, 1 + K, D] and restore indices [N, {NumPatches}] but got [{string.Join(", ", tokens.shape)}] and [{string.Join(", ", restore.shape)}].");
        using var scope = torch.NewDisposeScope();
        var x = decoder_embed.call(tokens);                                      // [N, 1 + K, Dd]
        var patches = TokenIndex.Restore(x.narrow(1, 1, x.shape[1] - 1), mask_token, restore); // [N, L, Dd]
        x = torch.cat(new[] { x.narrow(1, 0, 1), patches }, 1) + decoder_pos_embed;
        foreach (var block in decoder_blocks) x = block.call(x);
        x = decoder_pred.call(decoder_norm.call(x));
        return x.narrow(1, 1, NumPatches).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) dropPathGenerator.Dispose();
        base.Dispose(disposing);
    }
}
