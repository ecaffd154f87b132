using SslSharp.Backbones;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods;

/// <summary>
/// A method built around a backbone followed by a projector MLP, the joint-embedding architecture that
/// SimCLR introduced and most of its successors kept: owns both, registers them as <c>backbone</c> and
/// <c>projector</c>, and exposes them as <see cref="Encoder"/> and <see cref="Projector"/> (and to the
/// guillotine probe through <see cref="Core.IHasProjector"/>).
/// </summary>
/// <remarks>
/// <para>Chen, Kornblith, Norouzi, Hinton, "A Simple Framework for Contrastive Learning of Visual
/// Representations" (ICML 2020), section 4.2: the loss sees <c>g(h)</c>, evaluation uses <c>h</c>; Bordes
/// et al., "Guillotine Regularization" (TMLR 2023) on why. Balestriero et al., "A Cookbook of
/// Self-Supervised Learning" (2023), section 2, for the families that share this layout.</para>
/// <para>Checkpoints: the backbone and the projector are registered first, in that order, under the
/// names <c>backbone</c> and <c>projector</c>; a derived class registers its own modules (predictor,
/// momentum encoder, queue, ...) after them in its constructor, so state-dict keys and parameter order are
/// those of a class that registers all of them itself.</para>
/// </remarks>
/// <typeparam name="TProjector">The projector's type (<see cref="Heads.ProjectionHead"/> for the built-in
/// projectors; any module for a custom one).</typeparam>
public abstract class ProjectedMethod<TProjector> : SslMethod, Core.IHasProjector
    where TProjector : nn.Module<Tensor, Tensor>
{
    private readonly Backbone backbone;
    private readonly TProjector projector;

    /// <summary>Creates the method: checks the backbone, builds the projector and registers both.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="backbone">The encoder; the method takes ownership.</param>
    /// <param name="createProjector">Builds the projector for the backbone (features <c>[N, backbone.FeatureDim]</c>
    /// to embeddings <c>[N, E]</c>); the method takes ownership of it. Called once, after the null check of
    /// <paramref name="backbone"/> and before anything is registered, so a derived class checks its other
    /// arguments here first and bad input fails before a (possibly wide) projector is allocated.</param>
    /// <exception cref="ArgumentNullException"><paramref name="backbone"/> or <paramref name="createProjector"/> is null.</exception>
    protected ProjectedMethod(string name, Backbone backbone, Func<Backbone, TProjector> createProjector) : base(name)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(createProjector);
        var head = createProjector(backbone);
        this.backbone = backbone;
        projector = head ?? throw new InvalidOperationException($"{name}: the projector factory returned null.");
        register_module("backbone", backbone);
        register_module("projector", projector);
    }

    /// <inheritdoc />
    public override Backbone Encoder => backbone;

    /// <summary>The projector MLP: backbone features <c>[N, D]</c> to the embeddings <c>[N, E]</c> the loss sees.</summary>
    public TProjector Projector => projector;

    /// <summary>The projector, for the guillotine probe (<see cref="Core.IHasProjector"/>).</summary>
    nn.Module<Tensor, Tensor> Core.IHasProjector.Projector => projector;
}
