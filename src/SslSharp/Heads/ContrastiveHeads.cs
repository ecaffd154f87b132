namespace SslSharp.Heads;

/// <summary>
/// The projector and predictor MLPs of MoCo v2, MoCo v3 and NNCLR, built as
/// <see cref="ProjectionHead"/>s with each paper's depth, widths, BatchNorm and biases.
/// </summary>
/// <remarks>
/// <para>MoCo v2: Chen et al. 2020, facebookresearch/moco <c>main_moco.py --mlp</c> (the fc layer
/// replaced by <c>Linear(2048, 2048) - ReLU - Linear(2048, 128)</c>, biases on, no BN).</para>
/// <para>MoCo v3: Chen, Xie, He 2021, facebookresearch/moco-v3 <c>builder.py</c> <c>_build_mlp</c>:
/// every Linear without bias, hidden layers BN + ReLU, the projector ends with
/// <c>BN(affine=False)</c>, the predictor with a plain Linear. <c>MoCo_ResNet</c> uses 2-layer
/// projector and predictor (2048-4096-256, 256-4096-256); <c>MoCo_ViT</c> a 3-layer projector.</para>
/// <para>NNCLR: Dwibedi et al. 2021 section 4.1 (projector 3 layers, 2048 hidden, 256 out, BN after
/// every layer; predictor 256-4096-256) in the form of solo-learn <c>solo/methods/nnclr.py</c>. The
/// Linear layers followed by BN carry no bias (the BN shift replaces it, as in lightly's heads); the
/// predictor's last Linear has one.</para>
/// </remarks>
public static class ContrastiveHeads
{
    /// <summary>MoCo v2 projector: <c>Linear(in, hidden) - ReLU - Linear(hidden, out)</c>, biases, no BN.</summary>
    /// <param name="inputDim">Backbone feature width (ResNet-50: 2048).</param>
    /// <param name="hiddenDim">Hidden width (paper: the feature width, 2048).</param>
    /// <param name="outputDim">Output width (paper: 128).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    public static ProjectionHead MoCoV2Projector(int inputDim, int hiddenDim = 2048, int outputDim = 128, long seed = 0) =>
        new(inputDim, new[] { hiddenDim }, outputDim, batchNorm: false, hiddenBias: true, lastBias: true,
            lastBatchNorm: false, seed: seed, name: "MoCoV2ProjectionHead");

    /// <summary>
    /// MoCo v3 projector: <c>[Linear(no bias) - BN - ReLU] x (layers - 1) - Linear(no bias) - BN(affine=False)</c>.
    /// </summary>
    /// <param name="inputDim">Backbone feature width.</param>
    /// <param name="hiddenDim">Hidden width (paper: 4096).</param>
    /// <param name="outputDim">Output width (paper: 256).</param>
    /// <param name="layers">Linear layers: 2 for ResNets, 3 for ViTs.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layers"/> &lt; 1.</exception>
    public static ProjectionHead MoCoV3Projector(int inputDim, int hiddenDim = 4096, int outputDim = 256, int layers = 2, long seed = 0) =>
        new(inputDim, Hidden(hiddenDim, layers), outputDim, batchNorm: true, hiddenBias: false, lastBias: false,
            lastBatchNorm: true, lastBatchNormAffine: false, seed: seed, name: "MoCoV3ProjectionHead");

    /// <summary>MoCo v3 predictor: <c>Linear(no bias) - BN - ReLU - Linear(no bias)</c>, 256-4096-256.</summary>
    /// <param name="dim">Input and output width (the projector's output, 256).</param>
    /// <param name="hiddenDim">Hidden width (paper: 4096).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    public static ProjectionHead MoCoV3Predictor(int dim = 256, int hiddenDim = 4096, long seed = 0) =>
        new(dim, new[] { hiddenDim }, dim, batchNorm: true, hiddenBias: false, lastBias: false,
            lastBatchNorm: false, seed: seed, name: "MoCoV3PredictionHead");

    /// <summary>
    /// NNCLR projector: <c>[Linear - BN - ReLU] x 2 - Linear - BN</c> (3 layers, Linear without bias
    /// before each BN, last BN affine).
    /// </summary>
    /// <param name="inputDim">Backbone feature width.</param>
    /// <param name="hiddenDim">Hidden width (paper: 2048).</param>
    /// <param name="outputDim">Output width (paper: 256).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    public static ProjectionHead NNCLRProjector(int inputDim, int hiddenDim = 2048, int outputDim = 256, long seed = 0) =>
        new(inputDim, new[] { hiddenDim, hiddenDim }, outputDim, batchNorm: true, hiddenBias: false, lastBias: false,
            lastBatchNorm: true, lastBatchNormAffine: true, seed: seed, name: "NNCLRProjectionHead");

    /// <summary>NNCLR predictor: <c>Linear(no bias) - BN - ReLU - Linear</c>, 256-4096-256.</summary>
    /// <param name="dim">Input and output width (the projector's output, 256).</param>
    /// <param name="hiddenDim">Hidden width (paper: 4096).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    public static ProjectionHead NNCLRPredictor(int dim = 256, int hiddenDim = 4096, long seed = 0) =>
        new(dim, new[] { hiddenDim }, dim, batchNorm: true, hiddenBias: false, lastBias: true,
            lastBatchNorm: false, seed: seed, name: "NNCLRPredictionHead");

    private static int[] Hidden(int hiddenDim, int layers)
    {
        if (layers < 1)
            throw new ArgumentOutOfRangeException(nameof(layers), layers, "A projector needs at least 1 Linear layer (MoCo v3: 2 for ResNets, 3 for ViTs).");
        return Enumerable.Repeat(hiddenDim, layers - 1).ToArray();
    }
}
