using SslSharp.Backbones;
using SslSharp.Heads;
using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// The momentum (key) encoder of MoCo: an EMA copy of a backbone followed by an EMA copy of its
/// projector, run without gradient: images <c>[N, C, H, W]</c> to keys <c>[N, E]</c>.
/// </summary>
/// <remarks>
/// <para>He et al., MoCo (CVPR 2020) <c>encoder_k</c> and Chen, Xie, He, MoCo v3 (ICCV 2021)
/// <c>momentum_encoder</c> (facebookresearch/moco, facebookresearch/moco-v3 <c>builder.py</c>): the key
/// encoder has the query encoder's architecture (backbone + projection MLP, without the predictor),
/// starts as its copy and follows <c>k &lt;- m k + (1 - m) q</c>. Built from two
/// <see cref="EmaTeacher{TModule}"/>s so the state-dict keys read <c>backbone.module.*</c> and
/// <c>projector.module.*</c> under the owner's name for this module. Its BatchNorm layers keep their
/// own running statistics, updated by the key forward in train mode as in the references (one
/// process: plain BN, no shuffle; docs/methods.md#moco-v2 decision).</para>
/// </remarks>
public sealed class MomentumEncoder : nn.Module<Tensor, Tensor>
{
    private readonly EmaTeacher<Backbone> backbone;
    private readonly EmaTeacher<ProjectionHead> projector;

    /// <summary>Creates the momentum twin of <paramref name="studentBackbone"/> + <paramref name="studentProjector"/>.</summary>
    /// <param name="studentBackbone">The query backbone (not owned).</param>
    /// <param name="studentProjector">The query projector (not owned).</param>
    /// <param name="name">Module name.</param>
    public MomentumEncoder(Backbone studentBackbone, ProjectionHead studentProjector, string name = "momentum_encoder") : base(name)
    {
        ArgumentNullException.ThrowIfNull(studentBackbone);
        ArgumentNullException.ThrowIfNull(studentProjector);
        backbone = new EmaTeacher<Backbone>(studentBackbone, studentBackbone.CreateTwin(), "backbone");
        projector = new EmaTeacher<ProjectionHead>(studentProjector, studentProjector.CreateTwin(), "projector");
        register_module("backbone", backbone);
        register_module("projector", projector);
    }

    /// <summary>The momentum backbone (frozen parameters).</summary>
    public EmaTeacher<Backbone> Backbone => backbone;

    /// <summary>The momentum projector (frozen parameters).</summary>
    public EmaTeacher<ProjectionHead> Projector => projector;

    /// <summary>The momentum of the last <see cref="Update"/> (NaN before the first).</summary>
    public double LastMomentum => backbone.LastMomentum;

    /// <summary>Keys <c>[N, E]</c> of images <c>[N, C, H, W]</c>, without gradient (not normalised).</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return projector.Module.call(backbone.Module.call(images)).MoveToOuterDisposeScope();
    }

    /// <summary><c>k &lt;- m k + (1 - m) q</c> for backbone and projector.</summary>
    /// <param name="momentum">Momentum <c>m</c> in [0, 1].</param>
    public void Update(double momentum)
    {
        backbone.Update(momentum);
        projector.Update(momentum);
    }
}
