using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// DirectCLR: contrastive learning without a trainable projector; the InfoNCE loss is applied directly
/// to the first <c>d0</c> dimensions of the backbone representation.
/// </summary>
/// <remarks>
/// <para>Jing, Vincent, LeCun, Tian, "Understanding Dimensional Collapse in Contrastive Self-supervised
/// Learning" (ICLR 2022); reference code facebookresearch/directclr <c>main.py</c>
/// (<c>--mode directclr --dim 360</c>: <c>z = r[:, :dim]</c>, loss
/// <c>infoNCE(z1, z2)/2 + infoNCE(z2, z1)/2</c> with T 0.1); lightly's example uses 64 dimensions.
/// docs/methods.md#directclr. Loss: <see cref="CrossViewInfoNCELoss"/>.</para>
/// <para>The paper's point (and the cookbook's): a loss on a fixed sub-vector of the representation,
/// with no projector at all, beats SimCLR with a linear projector; the whole representation still
/// learns because the gradient reaches the rest of it through the backbone's last layers.</para>
/// <para>Defaults in <see cref="DirectCLROptions"/> (the official <c>d0</c> is for a 2048-wide ResNet-50). <c>d0</c>
/// must not exceed the backbone's <c>FeatureDim</c>; small backbones need a smaller value (see the small preset).</para>
/// </remarks>
public sealed class DirectCLR : SslMethod
{
    private readonly Backbone backbone;

    /// <summary>Creates DirectCLR around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="DirectCLROptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public DirectCLR(Backbone backbone, DirectCLROptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).SubvectorDim, options.Temperature)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="DirectCLROptions"/>).</summary>
    private DirectCLR(Backbone backbone, int subvectorDim, double temperature)
        : base(nameof(DirectCLR))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (subvectorDim < 1 || subvectorDim > backbone.FeatureDim)
            throw new ArgumentOutOfRangeException(nameof(subvectorDim), subvectorDim,
                $"DirectCLR's sub-vector size d0 = {subvectorDim} must be between 1 and the backbone's FeatureDim ({backbone.FeatureDim}). " +
                $"Set subvector_dim to at most {backbone.FeatureDim} (e.g. --set subvector_dim={Math.Max(1, Math.Min(64, backbone.FeatureDim))}) or use a wider backbone.");
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The DirectCLR temperature must be a finite number > 0 (official: 0.1).");
        this.backbone = backbone;
        SubvectorDim = subvectorDim;
        Temperature = temperature;
        register_module("backbone", backbone);
    }

    /// <inheritdoc />
    public override Backbone Encoder => backbone;

    /// <summary>The sub-vector size <c>d0</c>.</summary>
    public int SubvectorDim { get; }

    /// <summary>The InfoNCE temperature.</summary>
    public double Temperature { get; }

    /// <summary>
    /// Encodes the first two global views and returns the symmetric cross-view InfoNCE of
    /// <c>r[:, :d0]</c>, with view 0's features <c>[N, D]</c> and sub-vectors <c>[N, d0]</c> (detached).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 global views or fewer than 2 images.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views, globalViews: 2);
        using var scope = torch.NewDisposeScope();
        var (h0, z) = ViewEncoder.Encode(views, 2, backbone, r => r.narrow(1, 0, SubvectorDim));
        // Several processes: the InfoNCE of the global batch on the sub-vectors gathered with gradient (as SimCLR's negatives).
        var group = ProcessGroup;
        var loss = CrossViewInfoNCELoss.Compute(group.AllGatherWithGradient(z[0]), group.AllGatherWithGradient(z[1]), Temperature);
        return ViewEncoder.Output(loss, h0, z[0]);
    }

    /// <summary>The sub-vector <c>r[:, :d0]</c> <c>[N, d0]</c> the InfoNCE sees.</summary>
    public override Tensor? Embed(Tensor features) => features.narrow(1, 0, SubvectorDim);

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>directclr</c>: binds <see cref="DirectCLROptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new DirectCLR(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<DirectCLROptions>("directclr"));
}
