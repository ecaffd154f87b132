using static TorchSharp.torch;

namespace SslSharp.Core;

/// <summary>
/// What a method returns from a step besides the loss, features and embeddings: a token mask, a
/// reconstruction, and named scalars to log. Every member is optional.
/// </summary>
/// <remarks>
/// <para>What MAE's <c>forward</c> returns besides the loss (facebookresearch/mae <c>models_mae.py</c>:
/// <c>loss, pred, mask</c>), typed as stable-pretraining's <c>MAEOutput</c> is, so callbacks (a
/// reconstruction plot, a masking diagnostic) read them without string keys.</para>
/// <para>Memory: the tensors live in the step's dispose scope like the rest of the <see cref="StepOutput"/>
/// and are disposed when the step ends, after <c>ITrainerCallback.OnStepOutput</c>. A method that computes
/// them inside its own <c>torch.NewDisposeScope()</c> moves them out with <see cref="MoveToOuterDisposeScope"/>.</para>
/// </remarks>
public sealed record StepExtras
{
    /// <summary>Per-token mask <c>[N, L]</c> (MAE: 0 = kept / visible, 1 = removed / predicted), or null.</summary>
    public Tensor? Mask { get; init; }

    /// <summary>Predicted patches <c>[N, L, p*p*C]</c> in patch order (MAE's <c>pred</c>; unpatchify to plot), or null.</summary>
    public Tensor? Reconstruction { get; init; }

    /// <summary>
    /// Named scalars (0-d tensors) the trainer writes to <c>logged.csv</c> every step, e.g. the parts of a
    /// combined loss; empty by default. Each costs one <c>.item()</c> per step.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Scalars { get; init; } = Empty;

    private static readonly IReadOnlyDictionary<string, Tensor> Empty = new Dictionary<string, Tensor>();

    /// <summary>Moves every tensor to the enclosing dispose scope (detaching nothing); returns this.</summary>
    public StepExtras MoveToOuterDisposeScope()
    {
        Mask?.MoveToOuterDisposeScope();
        Reconstruction?.MoveToOuterDisposeScope();
        foreach (var t in Scalars.Values) t.MoveToOuterDisposeScope();
        return this;
    }
}
