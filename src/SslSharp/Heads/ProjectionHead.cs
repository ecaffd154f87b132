using SslSharp.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Heads;

/// <summary>
/// A projector MLP: <c>[Linear - (BatchNorm) - ReLU] x hidden layers</c> then <c>Linear - (BatchNorm)</c>,
/// mapping <c>[N, inputDim]</c> to <c>[N, outputDim]</c>, with configurable depth, widths, BN and biases.
/// </summary>
/// <remarks>
/// <para>The layers live in one sequential named <c>layers</c>, numbered in order, so state-dict keys read
/// like lightly's <c>ProjectionHead</c> (<c>layers.0.weight</c>, <c>layers.1.running_mean</c>, ...).
/// Layer numbering: each hidden layer takes 3 slots (Linear, BatchNorm, ReLU) or 2 without BN; the last
/// layer takes 1 or 2 slots.</para>
/// <para>Presets: <see cref="SimCLRv1"/> (Chen et al., SimCLR, ICML 2020) and <see cref="SimCLRv2"/>
/// (Chen et al., "Big Self-Supervised Models are Strong Semi-Supervised Learners", NeurIPS 2020;
/// google-research/simclr <c>tf2/model.py</c> <c>ProjectionHead</c>). Reference for the generic form:
/// lightly <c>lightly/models/modules/heads.py</c>.</para>
/// </remarks>
public sealed class ProjectionHead : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> layers;
    private readonly (bool BatchNorm, bool HiddenBias, bool LastBias, bool LastBn, bool LastBnAffine, string Name) twinArguments;

    /// <summary>Creates a projector MLP.</summary>
    /// <param name="inputDim">Input width (the backbone's <c>FeatureDim</c>).</param>
    /// <param name="hiddenDims">Widths of the hidden layers, in order (empty: a single linear layer).</param>
    /// <param name="outputDim">Output width.</param>
    /// <param name="batchNorm">Whether each hidden layer has a BatchNorm1d between Linear and ReLU.</param>
    /// <param name="hiddenBias">Whether the hidden Linear layers have a bias.</param>
    /// <param name="lastBias">Whether the last Linear layer has a bias.</param>
    /// <param name="lastBatchNorm">Whether the last Linear layer is followed by a BatchNorm1d.</param>
    /// <param name="lastBatchNormAffine">Whether that last BatchNorm1d has a learnable scale and shift
    /// (false as in SimSiam / MoCo v3).</param>
    /// <param name="seed">Seed of the weight initialisation (PyTorch's default Linear init, drawn from a
    /// generator seeded with it).</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is not positive.</exception>
    public ProjectionHead(
        int inputDim,
        IReadOnlyList<int> hiddenDims,
        int outputDim,
        bool batchNorm = true,
        bool hiddenBias = true,
        bool lastBias = true,
        bool lastBatchNorm = false,
        bool lastBatchNormAffine = true,
        long seed = 0,
        string name = nameof(ProjectionHead)) : base(name)
    {
        ArgumentNullException.ThrowIfNull(hiddenDims);
        if (inputDim < 1) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "The projector input width must be >= 1 (the backbone's FeatureDim).");
        if (outputDim < 1) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "The projector output width must be >= 1.");
        for (int i = 0; i < hiddenDims.Count; i++)
            if (hiddenDims[i] < 1)
                throw new ArgumentOutOfRangeException(nameof(hiddenDims), hiddenDims[i], $"Hidden width {i} of the projector must be >= 1.");

        InputDim = inputDim;
        OutputDim = outputDim;
        HiddenDims = hiddenDims.ToArray();
        twinArguments = (batchNorm, hiddenBias, lastBias, lastBatchNorm, lastBatchNormAffine, name);

        using var generator = new Generator((ulong)seed);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        void Add(nn.Module<Tensor, Tensor> m)
        {
            if (m is Linear linear) WeightInit.TorchDefault(linear.weight!, linear.bias, generator);
            modules.Add((modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m));
        }
        int width = inputDim;
        foreach (int h in hiddenDims)
        {
            Add(nn.Linear(width, h, hasBias: hiddenBias));
            if (batchNorm) Add(nn.BatchNorm1d(h));
            Add(nn.ReLU());
            width = h;
        }
        Add(nn.Linear(width, outputDim, hasBias: lastBias));
        if (lastBatchNorm) Add(nn.BatchNorm1d(outputDim, affine: lastBatchNormAffine));

        layers = nn.Sequential(modules.ToArray());
        register_module("layers", layers);
    }

    /// <summary>Input width, <c>D_in</c> in <c>[N, D_in]</c>.</summary>
    public int InputDim { get; }

    /// <summary>Output width, <c>D_out</c> in <c>[N, D_out]</c>.</summary>
    public int OutputDim { get; }

    /// <summary>Hidden widths, in order.</summary>
    public IReadOnlyList<int> HiddenDims { get; }

    /// <summary>A new head with the same architecture (fresh weights), e.g. for an EMA teacher.</summary>
    public ProjectionHead CreateTwin()
    {
        var a = twinArguments;
        return new ProjectionHead(InputDim, HiddenDims, OutputDim, a.BatchNorm, a.HiddenBias, a.LastBias, a.LastBn, a.LastBnAffine, 0, a.Name);
    }

    /// <summary>Projects features <c>[N, InputDim]</c> to <c>[N, OutputDim]</c>.</summary>
    /// <exception cref="ArgumentException">The input is not <c>[N, InputDim]</c>.</exception>
    public override Tensor forward(Tensor features)
    {
        if (features.dim() != 2 || features.shape[1] != InputDim)
            throw new ArgumentException(
                $"{GetName()} expects features [N, {InputDim}] but got [{string.Join(", ", features.shape)}]. " +
                "Set the head's input width to the backbone's FeatureDim.", nameof(features));
        return layers.call(features);
    }

    /// <summary>
    /// Runs the projector layer by layer and returns the output after every module of the MLP, in
    /// order, named by position and kind (<c>"0 Linear"</c>, <c>"1 BatchNorm1d"</c>, <c>"2 ReLU"</c>, ...);
    /// the last entry equals <see cref="forward"/>. Used by the guillotine probe
    /// (<c>Evaluation.Probes.Guillotine</c>) to find the layer whose output holds the best features.
    /// </summary>
    /// <param name="features">Backbone features <c>[N, InputDim]</c>.</param>
    /// <returns>One <c>(name, [N, width])</c> pair per module.</returns>
    /// <exception cref="ArgumentException">The input is not <c>[N, InputDim]</c>.</exception>
    public IReadOnlyList<(string Name, Tensor Output)> ForwardLayers(Tensor features)
    {
        if (features.dim() != 2 || features.shape[1] != InputDim)
            throw new ArgumentException(
                $"{GetName()} expects features [N, {InputDim}] but got [{string.Join(", ", features.shape)}]. " +
                "Set the head's input width to the backbone's FeatureDim.", nameof(features));
        var outputs = new List<(string, Tensor)>();
        var x = features;
        foreach (var (name, module) in layers.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)module).call(x);
            outputs.Add(($"{name} {module.GetType().Name}", x));
        }
        return outputs;
    }

    /// <summary>
    /// SimCLR v1 projector: <c>Linear(in, hidden) - BN - ReLU - Linear(hidden, out)</c>, biases on.
    /// Paper: hidden = 2048 (the ResNet-50 feature width), out = 128.
    /// </summary>
    /// <param name="inputDim">Backbone feature width.</param>
    /// <param name="hiddenDim">Hidden width (paper: equal to <paramref name="inputDim"/>).</param>
    /// <param name="outputDim">Output width (paper: 128).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    public static ProjectionHead SimCLRv1(int inputDim, int hiddenDim = 2048, int outputDim = 128, long seed = 0) =>
        new(inputDim, new[] { hiddenDim }, outputDim, batchNorm: true, hiddenBias: true, lastBias: true, lastBatchNorm: false,
            seed: seed, name: "SimCLRProjectionHead");

    /// <summary>
    /// SimCLR v2 projector: <c>[Linear - BN - ReLU] x 2 - Linear(no bias) - BN</c> (3 linear layers).
    /// </summary>
    /// <remarks>
    /// google-research/simclr <c>tf2/model.py</c>: hidden layers are Dense without bias (the BN shift
    /// replaces it) + BN + ReLU; the output layer is Dense without bias + a BN without centering
    /// (<c>center=False</c>, learnable scale). TorchSharp's BatchNorm1d has scale and shift together, so
    /// SslSharp's last BN is non-affine (no shift, no scale); the loss L2-normalises the output.
    /// </remarks>
    /// <param name="inputDim">Backbone feature width.</param>
    /// <param name="hiddenDim">Hidden width of both hidden layers (paper: 2048).</param>
    /// <param name="outputDim">Output width (paper: 128).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    public static ProjectionHead SimCLRv2(int inputDim, int hiddenDim = 2048, int outputDim = 128, long seed = 0) =>
        new(inputDim, new[] { hiddenDim, hiddenDim }, outputDim, batchNorm: true, hiddenBias: false, lastBias: false,
            lastBatchNorm: true, lastBatchNormAffine: false, seed: seed, name: "SimCLRProjectionHead");
}
