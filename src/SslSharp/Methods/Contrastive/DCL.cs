using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
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
/// <para>Projector v1 <c>Linear(D, D) - BN - ReLU - Linear(D, out)</c> (SimCLR's); defaults in <see cref="DCLOptions"/>
/// and <see cref="DCLWOptions"/>. One step encodes the first two global views in one backbone call; further views are
/// ignored.</para>
/// </remarks>
public sealed class DCL : ProjectedMethod<ProjectionHead>
{
    /// <summary>Creates DCL around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="DCLOptions"/> or <see cref="DCLWOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public DCL(Backbone backbone, DCLOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.Temperature, options is DCLWOptions, (options as DCLWOptions ?? new DCLWOptions()).Sigma, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="DCLOptions"/>).</summary>
    private DCL(Backbone backbone, int? hiddenDim, int outputDim, double temperature, bool weighted, double sigma, long seed)
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
        // Several processes: the loss of the global batch on the embeddings gathered with gradient (every process computes
        // the same value; the gather's backward hands each its rows' gradient). DCLW's weights then come from the global batch.
        var group = ProcessGroup;
        var (z1, z2) = (group.AllGatherWithGradient(z[0]), group.AllGatherWithGradient(z[1]));
        var loss = Weighted ? DCLLoss.ComputeWeighted(z1, z2, Temperature, Sigma) : DCLLoss.Compute(z1, z2, Temperature);
        return ViewEncoder.Output(loss, h0, z[0]);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>dcl</c>: binds <see cref="DCLOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new DCL(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<DCLOptions>("dcl"));

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>dclw</c>: binds <see cref="DCLWOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod CreateWeighted(Backbone backbone, MethodSettings settings) =>
        new DCL(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<DCLWOptions>("dclw"));
}
