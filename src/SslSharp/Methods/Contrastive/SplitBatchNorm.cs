using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// Single-process stand-in for MoCo's shuffling BN: the encoder sees the batch in <c>S</c> equal
/// splits, so BatchNorm normalises each split with its own statistics, and the key encoder sees the
/// images in a shuffled order, so a query and its positive key are normalised with statistics of
/// different image sets.
/// </summary>
/// <remarks>
/// <para>Why: with one batch statistic for queries and keys of the same images, the positive key shares
/// the query's batch statistics while the queued negatives do not, and the network can find the positive
/// through BN instead of the image content (He et al., "Momentum Contrast", CVPR 2020, section 3.3,
/// "Shuffling BN"). The reference's one-GPU CIFAR demo (facebookresearch/moco
/// <c>colab/moco_cifar10_demo.ipynb</c>: <c>SplitBatchNorm</c> with <c>bn_splits 8</c> and
/// <c>_batch_shuffle_single_gpu</c>) does the same with a split BatchNorm module; calling the encoder
/// once per split gives the same training-mode outputs (running statistics are updated once per split).</para>
/// </remarks>
public static class SplitBatchNorm
{
    /// <summary>Throws when a batch of <paramref name="batchSize"/> cannot be cut into <paramref name="splits"/> splits of at least 2 images.</summary>
    /// <exception cref="ArgumentException">The batch is not a multiple of the splits, or a split would hold one image.</exception>
    public static void Check(string method, long batchSize, int splits)
    {
        if (splits > 1 && (batchSize % splits != 0 || batchSize / splits < 2))
            throw new ArgumentException(
                $"{method} with bn_splits {splits} needs a batch that is a multiple of {splits} with at least 2 images per split " +
                $"(BatchNorm statistics of one image are undefined); got a batch of {batchSize}. Change --batch-size or set bn_splits=1.");
    }

    /// <summary>Applies <paramref name="encoder"/> to each of <paramref name="splits"/> equal splits of <paramref name="x"/> <c>[N, ...]</c> and concatenates the outputs <c>[N, E]</c>.</summary>
    public static Tensor Encode(Func<Tensor, Tensor> encoder, Tensor x, int splits)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(x);
        if (splits <= 1) return encoder(x);
        return cat(x.chunk(splits, 0).Select(encoder).ToArray(), 0);
    }

    /// <summary>
    /// Shuffles <paramref name="x"/> <c>[N, ...]</c> with a permutation drawn from <paramref name="generator"/>,
    /// encodes it in splits (<see cref="Encode"/>) and restores the original order of the outputs <c>[N, E]</c>.
    /// </summary>
    public static Tensor EncodeShuffled(Func<Tensor, Tensor> encoder, Tensor x, int splits, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (splits <= 1) return Encode(encoder, x, splits);
        var permutation = randperm(x.shape[0], generator: generator).to(x.device);
        var encoded = Encode(encoder, x.index_select(0, permutation), splits);
        return encoded.index_select(0, permutation.argsort());
    }
}
