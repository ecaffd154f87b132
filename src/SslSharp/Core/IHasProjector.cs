using static TorchSharp.torch;

namespace SslSharp.Core;

/// <summary>
/// A method whose backbone features go through a projector before the loss. Implementing it opts the
/// method into the guillotine probe (<c>Guillotine</c>), which scores the backbone output
/// and every projector layer's output.
/// </summary>
/// <remarks>
/// To opt in, add <c>IHasProjector</c> to the method's class and return its projector (student side;
/// for BYOL-style methods the projector, not projector + predictor). A
/// <c>Heads.ProjectionHead</c> or an <c>nn.Sequential</c> is split layer by layer; any other
/// module is scored on its final output only (give it a <c>ForwardLayers</c>-style split in
/// <c>Guillotine.ProjectorLayers</c> to go deeper). Bordes et al., "Guillotine Regularization:
/// Why removing layers is needed to improve generalization in self-supervised learning" (TMLR 2023).
/// </remarks>
public interface IHasProjector
{
    /// <summary>The projector: features <c>[N, D]</c> to embeddings <c>[N, E]</c>.</summary>
    nn.Module<Tensor, Tensor> Projector { get; }
}
