using static TorchSharp.torch;

namespace SslSharp.Core;

/// <summary>What one forward pass of an <c>SslMethod</c> returns.</summary>
/// <param name="Loss">Scalar loss to minimise (a 0-d tensor that requires grad).</param>
/// <param name="Features">
/// Backbone features <c>[N, D]</c> of the first global view, detached; used by online probes and
/// collapse monitors. Never back-propagated.
/// </param>
/// <param name="Embeddings">
/// The embeddings the loss was computed on for the first view <c>[N, E]</c> (e.g. the projector
/// output), detached; null when a method has none.
/// </param>
public sealed record StepOutput(Tensor Loss, Tensor Features, Tensor? Embeddings = null)
{
    /// <summary>
    /// The method's extras (a token mask, a reconstruction, named scalars to log), or null when it has none:
    /// <c>new StepOutput(loss, features) { Extras = new StepExtras { Mask = mask, Reconstruction = pred } }</c>.
    /// </summary>
    public StepExtras? Extras { get; init; }
}
