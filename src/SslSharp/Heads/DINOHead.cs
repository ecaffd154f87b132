using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Heads;

/// <summary>
/// DINO's projection head: an MLP <c>[Linear - (BN) - GELU] x (layers - 1) - Linear</c> to a bottleneck,
/// row-wise L2 normalisation, then a weight-normalised <c>Linear(bottleneck, K)</c> without bias,
/// mapping <c>[N, inputDim]</c> to <c>[N, K]</c> logits over K prototypes.
/// </summary>
/// <remarks>
/// <para>Caron et al., "Emerging Properties in Self-Supervised Vision Transformers" (DINO, ICCV 2021);
/// reference code facebookresearch/dino <c>vision_transformer.py</c> (<c>DINOHead</c>). State-dict keys
/// read like the reference's: <c>mlp.0.weight</c>, ..., <c>last_layer.weight_g</c>,
/// <c>last_layer.weight_v</c>. docs/methods.md#dino.</para>
/// <para>Initialisation as the reference: MLP weights truncated normal with std 0.02 (bounds +-2,
/// i.e. +-100 std, never reached) and zero biases; the last layer has nn.Linear's default init for
/// <c>v</c> and <c>g = 1</c>, frozen when <c>normLastLayer</c> is true. Defaults: hidden 2048,
/// bottleneck 256, 3 layers, K = 65536, no BN.</para>
/// </remarks>
public sealed class DINOHead : nn.Module<Tensor, Tensor>
{
    private readonly Sequential mlp;
    private readonly WeightNormLinear last_layer;
    private readonly long seed;

    /// <summary>Creates a DINO head.</summary>
    /// <param name="inputDim">Input width (the backbone's <c>FeatureDim</c>).</param>
    /// <param name="outputDim">Number of prototypes <c>K</c> (paper: 65536).</param>
    /// <param name="hiddenDim">Hidden width of the MLP (2048).</param>
    /// <param name="bottleneckDim">Bottleneck width before the L2 normalisation (256).</param>
    /// <param name="layers">Linear layers in the MLP, &gt;= 1 (3).</param>
    /// <param name="normLastLayer">Freeze the last layer's weight-norm scale at 1 (true; false can help small models but is less stable).</param>
    /// <param name="batchNorm">BatchNorm after each hidden Linear (DINO's <c>use_bn_in_head</c>, off by default).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width or the layer count is not positive.</exception>
    public DINOHead(int inputDim, int outputDim = 65536, int hiddenDim = 2048, int bottleneckDim = 256, int layers = 3,
        bool normLastLayer = true, bool batchNorm = false, long seed = 0) : base(nameof(DINOHead))
    {
        if (inputDim < 1) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "The DINO head input width must be >= 1 (the backbone's FeatureDim).");
        if (outputDim < 1) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "The DINO head needs K >= 1 prototypes (paper: 65536).");
        if (hiddenDim < 1) throw new ArgumentOutOfRangeException(nameof(hiddenDim), hiddenDim, "The DINO head hidden width must be >= 1 (paper: 2048).");
        if (bottleneckDim < 1) throw new ArgumentOutOfRangeException(nameof(bottleneckDim), bottleneckDim, "The DINO head bottleneck width must be >= 1 (paper: 256).");
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "The DINO head MLP needs at least 1 layer (paper: 3).");
        InputDim = inputDim;
        OutputDim = outputDim;
        HiddenDim = hiddenDim;
        BottleneckDim = bottleneckDim;
        Layers = layers;
        NormLastLayer = normLastLayer;
        BatchNorm = batchNorm;
        this.seed = seed;

        using var generator = new Generator((ulong)seed);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        void Add(nn.Module<Tensor, Tensor> m) => modules.Add((modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m));
        Linear MakeLinear(int i, int o)
        {
            var l = nn.Linear(i, o);
            using var _ = torch.no_grad();
            l.weight!.normal_(0, 0.02, generator).clamp_(-2.0, 2.0);   // trunc_normal_(std=.02), bounds +-2
            l.bias!.zero_();
            return l;
        }
        int width = inputDim;
        for (int i = 0; i < layers - 1; i++)
        {
            Add(MakeLinear(width, hiddenDim));
            if (batchNorm) Add(nn.BatchNorm1d(hiddenDim));
            Add(nn.GELU());
            width = hiddenDim;
        }
        Add(MakeLinear(width, bottleneckDim));
        mlp = nn.Sequential(modules.ToArray());
        last_layer = new WeightNormLinear(bottleneckDim, outputDim, normLastLayer, generator, "last_layer");
        RegisterComponents();
    }

    /// <summary>Input width, <c>D</c> in <c>[N, D]</c>.</summary>
    public int InputDim { get; }

    /// <summary>Number of prototypes, <c>K</c> in <c>[N, K]</c>.</summary>
    public int OutputDim { get; }

    /// <summary>Hidden width of the MLP.</summary>
    public int HiddenDim { get; }

    /// <summary>Bottleneck width.</summary>
    public int BottleneckDim { get; }

    /// <summary>Linear layers in the MLP.</summary>
    public int Layers { get; }

    /// <summary>Whether the last layer's scale is frozen at 1.</summary>
    public bool NormLastLayer { get; }

    /// <summary>Whether the MLP has BatchNorm after its hidden layers.</summary>
    public bool BatchNorm { get; }

    /// <summary>The weight-normalised last layer (DINO freezes it during the first epoch).</summary>
    public WeightNormLinear LastLayer => last_layer;

    /// <summary>A new head with the same architecture (fresh weights), e.g. for an EMA teacher.</summary>
    public DINOHead CreateTwin() => new(InputDim, OutputDim, HiddenDim, BottleneckDim, Layers, NormLastLayer, BatchNorm, seed);

    /// <summary>Maps features <c>[N, InputDim]</c> to logits <c>[N, K]</c>: the prototype layer on <see cref="Bottleneck"/>.</summary>
    /// <exception cref="ArgumentException">The input is not <c>[N, InputDim]</c>.</exception>
    public override Tensor forward(Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        return last_layer.call(Bottleneck(features)).MoveToOuterDisposeScope();
    }

    /// <summary>The L2-normalised MLP output <c>[N, BottleneckDim]</c> the prototypes score (DINO's embedding).</summary>
    /// <exception cref="ArgumentException">The input is not <c>[N, InputDim]</c>.</exception>
    public Tensor Bottleneck(Tensor features)
    {
        if (features.dim() != 2 || features.shape[1] != InputDim)
            throw new ArgumentException(
                $"DINOHead expects features [N, {InputDim}] but got [{string.Join(", ", features.shape)}]. " +
                "Set the head's input width to the backbone's FeatureDim.", nameof(features));
        return nn.functional.normalize(mlp.call(features), p: 2, dim: 1, eps: 1e-12);
    }
}
