using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Heads;
using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Correlation;

/// <summary>
/// VICReg: a backbone and a wide expander MLP trained so that the two views' embeddings agree
/// (invariance) while every embedding dimension keeps its variance (variance) and the dimensions stay
/// decorrelated (covariance); no negatives, no teacher.
/// </summary>
/// <remarks>
/// <para>Bardes, Ponce, LeCun, "VICReg: Variance-Invariance-Covariance Regularization for
/// Self-Supervised Learning" (ICLR 2022). Reference code: facebookresearch/vicreg <c>main_vicreg.py</c>
/// (<c>VICReg</c>, <c>Projector</c>); solo-learn <c>solo/methods/vicreg.py</c>. docs/methods.md#vicreg.</para>
/// <para>One step: each of the first two global views goes through the backbone and the expander
/// separately (as the reference, so BatchNorm statistics are per view), then
/// <see cref="VICRegLoss.Compute"/>. Further views are ignored.</para>
/// <para>Defaults (paper, ImageNet): expander <c>[Linear - BN - ReLU] x 2 - Linear(no bias)</c>, 8192 wide
/// (<c>--mlp 8192-8192-8192</c>); coefficients 25 / 25 / 1; LARS, weight decay 1e-6, base lr 0.2 x N/256
/// (the trainer's options, see the presets).</para>
/// </remarks>
public sealed class VICReg : ProjectedMethod<ProjectionHead>
{
    /// <summary>The paper's expander width (all three layers).</summary>
    public const int DefaultExpanderDim = 8192;

    /// <summary>Creates VICReg.</summary>
    /// <param name="backbone">The encoder; VICReg takes ownership.</param>
    /// <param name="hiddenDim">Width of the two hidden expander layers (paper: 8192).</param>
    /// <param name="outputDim">Embedding width <c>D</c> (paper: 8192).</param>
    /// <param name="simCoeff">Invariance weight (paper: 25).</param>
    /// <param name="stdCoeff">Variance weight (paper: 25).</param>
    /// <param name="covCoeff">Covariance weight (paper: 1).</param>
    /// <param name="seed">Seed of the expander's initialisation.</param>
    /// <exception cref="ArgumentException">A width or coefficient is invalid.</exception>
    public VICReg(Backbone backbone, int hiddenDim = DefaultExpanderDim, int outputDim = DefaultExpanderDim,
        double simCoeff = 25, double stdCoeff = 25, double covCoeff = 1, long seed = 0)
        : base(nameof(VICReg), backbone, b =>
        {
            foreach (var (value, name) in new[] { (simCoeff, nameof(simCoeff)), (stdCoeff, nameof(stdCoeff)), (covCoeff, nameof(covCoeff)) })
                if (!(value >= 0) || double.IsInfinity(value))
                    throw new ArgumentOutOfRangeException(name, value, "VICReg loss coefficients must be finite numbers >= 0 (paper: 25, 25, 1).");
            return new ProjectionHead(b.FeatureDim, new[] { hiddenDim, hiddenDim }, outputDim, batchNorm: true,
                hiddenBias: true, lastBias: false, seed: seed, name: "VICRegExpander");
        })
    {
        SimCoeff = simCoeff;
        StdCoeff = stdCoeff;
        CovCoeff = covCoeff;
    }

    /// <summary>Invariance weight.</summary>
    public double SimCoeff { get; }

    /// <summary>Variance weight.</summary>
    public double StdCoeff { get; }

    /// <summary>Covariance weight.</summary>
    public double CovCoeff { get; }

    /// <summary>
    /// Encodes and expands the first two global views (one backbone call each) and returns the VICReg loss
    /// with view 0's features <c>[N, F]</c> and embeddings <c>[N, D]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var (h0, z) = ViewEncoder.EncodeSeparately(views, 2, Encoder, Projector.call);
        return ViewEncoder.Output(VICRegLoss.Compute(z[0], z[1], SimCoeff, StdCoeff, CovCoeff), h0, z[0]);
    }

    /// <summary>
    /// Builds VICReg from settings: <c>hidden_dim</c>, <c>output_dim</c> (8192), <c>sim_coeff</c> (25),
    /// <c>std_coeff</c> (25), <c>cov_coeff</c> (1), <c>seed</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid or unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int hidden = settings.GetInt("hidden_dim", DefaultExpanderDim);
        int output = settings.GetInt("output_dim", DefaultExpanderDim);
        double sim = settings.GetDouble("sim_coeff", 25);
        double std = settings.GetDouble("std_coeff", 25);
        double cov = settings.GetDouble("cov_coeff", 1);
        long seed = settings.GetLong("seed", 0);
        settings.ThrowIfUnused("vicreg", new[] { "hidden_dim", "output_dim", "sim_coeff", "std_coeff", "cov_coeff", "seed" });
        return new VICReg(backbone, hidden, output, sim, std, cov, seed);
    }

    /// <summary>What <c>sslsharp methods</c> shows.</summary>
    public static MethodDescription Description { get; } = new("correlation",
        "Bardes, Ponce, LeCun 2022, VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised Learning",
        "hidden_dim=8192 output_dim=8192 sim_coeff=25 std_coeff=25 cov_coeff=1");
}
