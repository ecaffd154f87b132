using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Heads;
using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// DCL and DCLW: SimCLR's architecture (backbone + 2-layer projector) trained with the decoupled
/// contrastive loss, i.e. NT-Xent without the positive pair in the denominator (DCLW also weights the
/// positives by a von Mises-Fisher factor).
/// </summary>
/// <remarks>
/// <para>Yeh et al., "Decoupled Contrastive Learning" (ECCV 2022); reference code
/// raminnakhli/Decoupled-Contrastive-Learning and lightly <c>examples/pytorch/dcl.py</c> (SimCLR with
/// <c>DCLLoss</c> / <c>DCLWLoss</c>). docs/methods.md#dcl-and-dclw. The loss is
/// <see cref="DCLLoss.Compute"/> / <see cref="DCLLoss.ComputeWeighted"/>.</para>
/// <para>Defaults: projector v1 <c>Linear(D, D) - BN - ReLU - Linear(D, 128)</c> (SimCLR's), temperature
/// 0.1, sigma 0.5 (DCLW). One step encodes the first two global views in one backbone call; further
/// views are ignored.</para>
/// </remarks>
public sealed class DCL : ProjectedMethod<ProjectionHead>
{
    /// <summary>Creates DCL (or DCLW when <paramref name="weighted"/>).</summary>
    /// <param name="backbone">The encoder; DCL takes ownership.</param>
    /// <param name="hiddenDim">Projector hidden width (default: the backbone's <c>FeatureDim</c>).</param>
    /// <param name="outputDim">Projector output width (SimCLR: 128).</param>
    /// <param name="temperature">Temperature <c>T &gt; 0</c> (paper: 0.1).</param>
    /// <param name="weighted">True for DCLW (positives weighted by <see cref="DCLLoss.VonMisesFisherWeights"/>).</param>
    /// <param name="sigma">DCLW weighting width <c>&gt; 0</c> (paper: 0.5; unused by DCL).</param>
    /// <param name="seed">Seed of the projector's weight initialisation.</param>
    /// <exception cref="ArgumentException">A width, the temperature or sigma is invalid.</exception>
    public DCL(Backbone backbone, int? hiddenDim = null, int outputDim = 128, double temperature = DCLLoss.DefaultTemperature,
        bool weighted = false, double sigma = DCLLoss.DefaultSigma, long seed = 0)
        : base(weighted ? "DCLW" : nameof(DCL), backbone, b =>
        {
            if (!(temperature > 0) || double.IsInfinity(temperature))
                throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The DCL temperature must be a finite number > 0 (paper: 0.1).");
            if (!(sigma > 0) || double.IsInfinity(sigma))
                throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The DCLW weighting width sigma must be a finite number > 0 (paper: 0.5).");
            return ProjectionHead.SimCLRv1(b.FeatureDim, hiddenDim ?? b.FeatureDim, outputDim, seed);
        })
    {
        Temperature = temperature;
        Weighted = weighted;
        Sigma = sigma;
    }

    /// <summary>The temperature <c>T</c>.</summary>
    public double Temperature { get; }

    /// <summary>Whether this is DCLW (weighted positives).</summary>
    public bool Weighted { get; }

    /// <summary>The DCLW weighting width (unused by DCL).</summary>
    public double Sigma { get; }

    /// <summary>
    /// Encodes and projects the first two global views and returns the DCL (or DCLW) loss with view 0's
    /// features <c>[N, D]</c> and embeddings <c>[N, E]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var (h0, z) = ViewEncoder.Encode(views, 2, Encoder, Projector.call);
        var loss = Weighted ? DCLLoss.ComputeWeighted(z[0], z[1], Temperature, Sigma) : DCLLoss.Compute(z[0], z[1], Temperature);
        return ViewEncoder.Output(loss, h0, z[0]);
    }

    /// <summary>Registry factory of <c>dcl</c>; settings <c>temperature</c>, <c>hidden_dim</c>, <c>output_dim</c>, <c>seed</c>.</summary>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) => Create(backbone, settings, weighted: false);

    /// <summary>Registry factory of <c>dclw</c>; settings as <see cref="Create(Backbone, MethodSettings)"/> plus <c>sigma</c>.</summary>
    public static SslMethod CreateWeighted(Backbone backbone, MethodSettings settings) => Create(backbone, settings, weighted: true);

    private static DCL Create(Backbone backbone, MethodSettings s, bool weighted)
    {
        ArgumentNullException.ThrowIfNull(s);
        double temperature = s.GetDouble("temperature", DCLLoss.DefaultTemperature);
        int? hidden = s.GetInt("hidden_dim", (int?)null);
        int output = s.GetInt("output_dim", 128);
        double sigma = weighted ? s.GetDouble("sigma", DCLLoss.DefaultSigma) : DCLLoss.DefaultSigma;
        long seed = s.GetLong("seed", 0);
        var known = new List<string> { "temperature", "hidden_dim", "output_dim", "seed" };
        if (weighted) known.Add("sigma");
        s.ThrowIfUnused(weighted ? "dclw" : "dcl", known);
        return new DCL(backbone, hidden, output, temperature, weighted, sigma, seed);
    }
}
