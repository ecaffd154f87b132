using SslSharp.Data;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Probes;

/// <summary>Top-k accuracy of class logits, and of a classifier over a whole feature set.</summary>
/// <remarks>
/// As torchvision's reference <c>accuracy(output, target, topk=(1, 5))</c> (pytorch/vision
/// <c>references/classification/utils.py</c>) and DINO <c>utils.accuracy</c>: a row counts when its
/// label is among the <c>k</c> largest logits; with fewer than <c>k</c> classes, among all of them.
/// </remarks>
public static class TopKAccuracy
{
    /// <summary>How many rows of <paramref name="logits"/> <c>[N, C]</c> have their label <c>[N]</c> among the top <paramref name="k"/>.</summary>
    /// <exception cref="ArgumentException">Shapes do not match or <paramref name="k"/> is below 1.</exception>
    public static long Correct(Tensor logits, Tensor labels, int k)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (logits.dim() != 2 || labels.dim() != 1 || labels.shape[0] != logits.shape[0])
            throw new ArgumentException(
                $"Expected logits [N, C] and labels [N] but got [{string.Join(", ", logits.shape)}] and [{string.Join(", ", labels.shape)}].", nameof(labels));
        using var scope = NewDisposeScope();
        int kk = (int)Math.Min(k, logits.shape[1]);
        var top = logits.topk(kk, dim: 1).indexes;                                    // [N, k]
        return top.eq(labels.to(ScalarType.Int64, logits.device).unsqueeze(1)).any(1).sum().item<long>();
    }

    /// <summary>
    /// Top-1 and top-5 accuracy (fractions in [0, 1]) of <paramref name="classifier"/> on
    /// <paramref name="features"/> <c>[N, D]</c>, in eval mode, without gradient, batch by batch.
    /// The classifier's train/eval mode is restored afterwards.
    /// </summary>
    /// <param name="classifier">Maps <c>[B, D]</c> to logits <c>[B, C]</c>.</param>
    /// <param name="features">Features <c>[N, D]</c> on any device (batches move to <paramref name="device"/>).</param>
    /// <param name="labels">Labels <c>[N]</c>.</param>
    /// <param name="batchSize">Rows per forward pass.</param>
    /// <param name="device">Where the classifier runs.</param>
    public static (double Top1, double Top5) Evaluate(TorchSharp.torch.nn.Module<Tensor, Tensor> classifier, Tensor features, Tensor labels,
        int batchSize, Device device)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.shape[0] != labels.shape[0])
            throw new ArgumentException($"features has {features.shape[0]} rows but labels has {labels.shape[0]}.", nameof(labels));
        var modes = FeatureExtractor.RecordModes(classifier);
        classifier.eval();
        try
        {
            using var noGrad = no_grad();
            long n = features.shape[0], top1 = 0, top5 = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(batchSize, n - start);
                var logits = classifier.call(features.narrow(0, start, count).to(ScalarType.Float32, device));
                var y = labels.narrow(0, start, count).to(device);
                top1 += Correct(logits, y, 1);
                top5 += Correct(logits, y, 5);
            }
            return ((double)top1 / n, (double)top5 / n);
        }
        finally
        {
            FeatureExtractor.RestoreModes(classifier, modes);
        }
    }
}
