using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
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
/// <para>Expander <c>[Linear - BN - ReLU] x 2 - Linear(no bias)</c> (<c>--mlp 8192-8192-8192</c>); defaults (the
/// paper's ImageNet values) in <see cref="VICRegOptions"/>, the optimizer (LARS) in the presets.</para>
/// </remarks>
public sealed class VICReg : ProjectedMethod<ProjectionHead>
{
    /// <summary>Creates VICReg around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="VICRegOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public VICReg(Backbone backbone, VICRegOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.SimCoeff, options.StdCoeff, options.CovCoeff, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="VICRegOptions"/>).</summary>
    private VICReg(Backbone backbone, int hiddenDim, int outputDim, double simCoeff, double stdCoeff, double covCoeff, long seed)
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
        // Several processes: the whole loss on the embeddings of the global batch, gathered with gradient (facebookresearch/vicreg
        // FullGatherLayer): every process computes the same value, and the gather's backward hands each its rows' gradient.
        var group = ProcessGroup;
        var loss = VICRegLoss.Compute(group.AllGatherWithGradient(z[0]), group.AllGatherWithGradient(z[1]), SimCoeff, StdCoeff, CovCoeff);
        return ViewEncoder.Output(loss, h0, z[0]);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>vicreg</c>: binds <see cref="VICRegOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new VICReg(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<VICRegOptions>("vicreg"));
}
