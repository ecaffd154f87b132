using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Heads;
using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Correlation;

/// <summary>
/// W-MSE: a backbone and projector trained to make the whitened embeddings of an image's views agree
/// (<c>2 - 2 cos</c>); whitening within sub-batches scatters the embeddings over the unit sphere, so no
/// negatives are needed and collapse is impossible.
/// </summary>
/// <remarks>
/// <para>Ermolov, Siarohin, Sangineto, Sebe, "Whitening for Self-Supervised Representation Learning"
/// (ICML 2021); reference code htdt/self-supervised (<c>methods/w_mse.py</c>, <c>cfg.py</c>,
/// <c>model.py</c> <c>get_head</c>), solo-learn <c>solo/methods/wmse.py</c>. docs/methods.md#w-mse.
/// Loss: <see cref="WMSELoss.Compute"/>.</para>
/// <para>Projector <c>Linear(D, hidden) - BN - ReLU - Linear(hidden, out)</c>; defaults (the official CIFAR values) in
/// <see cref="WMSEOptions"/>, the optimizer in the presets. Each step draws a new permutation of the batch from a seeded
/// generator (official: <c>randperm</c>); with <c>iterations &gt; 1</c> the loss is averaged over that many
/// permutations (official <c>w_iter</c>). All global views are used (W-MSE 2 with two views, W-MSE 4 with four),
/// encoded in one backbone call.</para>
/// <para>Requirements: w &gt; output dimension (the covariance of w rows must have full rank; the paper
/// uses w = 2D), and the global batch a multiple of w. The permutation generator is re-seeded at every
/// step from (seed, step) (<see cref="OnStepStart"/>), so a resumed run draws the same permutations as an
/// uninterrupted one without the generator in the checkpoint.</para>
/// <para>Several processes (<see cref="SslMethod.ProcessGroup"/>): whitening over the global batch. The embeddings are
/// gathered with gradient, every process draws the same permutation of the global batch and computes the whole loss,
/// and the gather's backward hands each process its rows' gradient; so the sub-batches mix images of all processes,
/// exactly as one process with the global batch (the reference trains on one GPU; docs/distributed.md).</para>
/// </remarks>
public sealed class WMSE : ProjectedMethod<ProjectionHead>
{
    private readonly StepSeededGenerator permutations;
    private const long PermutationStream = 0x574D; // "WM"

    /// <summary>Creates WMSE around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="WMSEOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public WMSE(Backbone backbone, WMSEOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).HiddenDim, options.OutputDim, options.WhiteningSize, options.Iterations, options.WhiteningEps, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="WMSEOptions"/>).</summary>
    private WMSE(Backbone backbone, int hiddenDim, int outputDim, int whiteningSize, int iterations, double eps, long seed)
        : base(nameof(WMSE), backbone, b =>
        {
            if (whiteningSize <= outputDim)
                throw new ArgumentOutOfRangeException(nameof(whiteningSize), whiteningSize,
                    $"W-MSE's whitening sub-batch ({whiteningSize}) must be larger than the embedding dimension ({outputDim}) so that " +
                    "the covariance has full rank; the paper uses twice the dimension (D 64, w 128). Raise whitening_size or lower output_dim.");
            if (iterations < 1)
                throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "W-MSE needs at least 1 whitening iteration (official: 1).");
            if (!(eps >= 0) || !(eps < 1))
                throw new ArgumentOutOfRangeException(nameof(eps), eps, "The W-MSE whitening shrinkage must be in [0, 1) (official: 0).");
            return new ProjectionHead(b.FeatureDim, new[] { hiddenDim }, outputDim, batchNorm: true, seed: seed, name: "WMSEProjectionHead");
        })
    {
        WhiteningSize = whiteningSize;
        Iterations = iterations;
        Eps = eps;
        permutations = new StepSeededGenerator(seed, PermutationStream);
    }

    /// <summary>The per-process batch must hold at least one whitening sub-batch.</summary>
    public override int MinimumBatchSize => Math.Max(2, (WhiteningSize + ProcessGroup.WorldSize - 1) / ProcessGroup.WorldSize);

    /// <summary>The whitening sub-batch size w.</summary>
    public int WhiteningSize { get; }

    /// <summary>Permutations per step.</summary>
    public int Iterations { get; }

    /// <summary>Covariance shrinkage.</summary>
    public double Eps { get; }

    /// <summary>
    /// Encodes and projects all global views and returns the W-MSE loss with view 0's features
    /// <c>[N, D]</c> and embeddings <c>[N, E]</c> (detached, before whitening).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views, a batch smaller than w or not a multiple of it.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var group = ProcessGroup;
        long global = views.BatchSize * group.WorldSize;
        if (global < WhiteningSize || global % WhiteningSize != 0)
            throw new ArgumentException(
                $"W-MSE whitens sub-batches of {WhiteningSize} images, so the global batch must be a positive multiple of " +
                $"{WhiteningSize} but it is {global}. Set --batch-size to k x {WhiteningSize}, or whitening_size to a divisor " +
                $"of the batch larger than output_dim ({Projector.OutputDim}).", nameof(views));
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var (h0, z) = ViewEncoder.Encode(views, Math.Max(2, views.GlobalCount), Encoder, Projector.call);
        var zAll = z.Select(group.AllGatherWithGradient).ToArray();   // [W x B, E] per view; z itself with one process
        Tensor? total = null;
        for (int i = 0; i < Iterations; i++)
        {
            var permutation = torch.randperm(global, generator: permutations.Generator).to(z[0].device);
            var term = WMSELoss.Compute(zAll, WhiteningSize, permutation, Eps);
            total = total is null ? term : total + term;
        }
        using Scalar iterations = Iterations;   // held: see Augment/Functional/ScalarCache
        var loss = Iterations == 1 ? total! : total!.div(iterations);
        return ViewEncoder.Output(loss, h0, z[0]);
    }

    /// <summary>Re-seeds the permutation generator from (seed, step): the draws are a pure function of the step.</summary>
    public override void OnStepStart(TrainingProgress progress) =>
        permutations.Reseed(progress.Step);

    /// <summary>Disposes the modules and the permutation generator.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) permutations.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>wmse</c>: binds <see cref="WMSEOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new WMSE(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<WMSEOptions>("wmse"));
}
