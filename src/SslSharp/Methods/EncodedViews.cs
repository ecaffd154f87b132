using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Methods;

/// <summary>What <see cref="ViewEncoder.Encode"/> returns: the online network's features and embeddings of the
/// encoded views and, with a target, the target's output on the first resolution group. Tensors live in the
/// caller's dispose scope.</summary>
internal sealed class EncodedViews
{
    internal EncodedViews(long batchSize, Tensor groupFeatures, Tensor groupEmbeddings, IReadOnlyList<Tensor> embeddings, Tensor? target)
    {
        BatchSize = batchSize;
        GroupFeatures = groupFeatures;
        GroupEmbeddings = groupEmbeddings;
        Embeddings = embeddings;
        Target = target;
    }

    /// <summary>Images per view, <c>N</c>.</summary>
    public long BatchSize { get; }

    /// <summary>Backbone features of the first resolution group, <c>[G N, D]</c> (view 0 first).</summary>
    public Tensor GroupFeatures { get; }

    /// <summary>Head output of the first resolution group, <c>[G N, E]</c>, as one tensor (for a predictor whose
    /// BatchNorm must see the views together).</summary>
    public Tensor GroupEmbeddings { get; }

    /// <summary>View 0's backbone features <c>[N, D]</c>.</summary>
    public Tensor Features0 => GroupFeatures.narrow(0, 0, BatchSize);

    /// <summary>Head output of each encoded view, <c>[N, E]</c> each, in view order.</summary>
    public IReadOnlyList<Tensor> Embeddings { get; }

    /// <summary>The target's output on the first resolution group, <c>[G N, E']</c>, without gradient; null without a target.</summary>
    public Tensor? Target { get; }

    /// <summary>Deconstructs into view 0's features <c>[N, D]</c> and the embeddings of each view <c>[N, E]</c>.</summary>
    public void Deconstruct(out Tensor features0, out IReadOnlyList<Tensor> embeddings)
    {
        features0 = Features0;
        embeddings = Embeddings;
    }

    /// <summary>The step output: <paramref name="loss"/>, view 0's features and embeddings (detached), moved out of the caller's scope.</summary>
    public StepOutput Output(Tensor loss) => ViewEncoder.Output(loss, Features0, Embeddings[0]);
}
