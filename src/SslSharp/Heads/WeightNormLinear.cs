using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Heads;

/// <summary>
/// A weight-normalised linear layer without bias: <c>y = x W^T</c> with <c>W = g * v / ||v||</c>, the norm
/// taken per output row, mapping <c>[N, in]</c> to <c>[N, out]</c>.
/// </summary>
/// <remarks>
/// <para>Salimans &amp; Kingma, "Weight Normalization" (NeurIPS 2016). Same parameters and state-dict keys
/// as <c>torch.nn.utils.weight_norm(nn.Linear(in, out, bias=False))</c>: <c>weight_g</c> <c>[out, 1]</c>
/// and <c>weight_v</c> <c>[out, in]</c>, as DINO's head uses it (facebookresearch/dino
/// <c>vision_transformer.py</c> <c>DINOHead.last_layer</c>). With a fixed scale (<see cref="FixedScale"/>)
/// <c>g</c> is 1 and frozen (DINO's <c>norm_last_layer=True</c>), so every output is a cosine similarity
/// between the input and a row of <c>v</c> times <c>||x||</c>.</para>
/// </remarks>
public sealed class WeightNormLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight_g;
    private readonly Parameter weight_v;

    /// <summary>Creates the layer; <c>v</c> gets PyTorch's default Linear init from <paramref name="generator"/>, <c>g</c> is 1.</summary>
    /// <param name="inputDim">Input width.</param>
    /// <param name="outputDim">Output width.</param>
    /// <param name="fixedScale">Freeze <c>g</c> at 1 (DINO's <c>norm_last_layer</c>).</param>
    /// <param name="generator">Random source of the initialisation.</param>
    /// <param name="name">Module name.</param>
    public WeightNormLinear(int inputDim, int outputDim, bool fixedScale, Generator generator, string name = nameof(WeightNormLinear))
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (inputDim < 1 || outputDim < 1)
            throw new ArgumentOutOfRangeException(nameof(inputDim), $"WeightNormLinear widths must be >= 1, got {inputDim} -> {outputDim}.");
        InputDim = inputDim;
        OutputDim = outputDim;
        FixedScale = fixedScale;
        using (torch.no_grad())
        {
            double bound = 1.0 / Math.Sqrt(inputDim);   // nn.Linear's default (kaiming_uniform, a = sqrt(5))
            weight_v = new Parameter(torch.empty(outputDim, inputDim).uniform_(-bound, bound, generator));
            weight_g = new Parameter(torch.ones(outputDim, 1), requires_grad: !fixedScale);
        }
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public int InputDim { get; }

    /// <summary>Output width.</summary>
    public int OutputDim { get; }

    /// <summary>Whether the scale <c>g</c> is frozen at 1.</summary>
    public bool FixedScale { get; }

    /// <summary>The scale <c>g</c>, <c>[out, 1]</c>.</summary>
    public Parameter Scale => weight_g;

    /// <summary>The direction <c>v</c>, <c>[out, in]</c>.</summary>
    public Parameter Direction => weight_v;

    /// <summary>The effective weight <c>g * v / ||v||</c>, <c>[out, in]</c>.</summary>
    public Tensor Weight()
    {
        using var scope = torch.NewDisposeScope();
        var norm = weight_v.norm(1, keepdim: true, p: 2);   // [out, 1]
        return weight_v.div(norm).mul(weight_g).MoveToOuterDisposeScope();
    }

    /// <summary>Maps <c>[N, in]</c> to <c>[N, out]</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return nn.functional.linear(input, Weight()).MoveToOuterDisposeScope();
    }
}
