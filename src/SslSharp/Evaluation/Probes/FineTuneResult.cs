using System.Globalization;

namespace SslSharp.Evaluation.Probes;

/// <summary>The outcome of <see cref="FineTune"/>.</summary>
/// <param name="Top1">Test top-1 accuracy in [0, 1] (eval transform, eval mode).</param>
/// <param name="Top5">Test top-5 accuracy in [0, 1].</param>
/// <param name="TrainTop1">Top-1 on the augmented training batches of the last epoch (before each update).</param>
/// <param name="EpochLosses">Mean cross-entropy of each epoch, in order.</param>
/// <param name="NumClasses">Number of classes.</param>
/// <param name="TrainCount">Training images.</param>
/// <param name="TestCount">Test images.</param>
/// <param name="Steps">Optimizer steps taken.</param>
/// <param name="Options">The settings used.</param>
public sealed record FineTuneResult(
    double Top1,
    double Top5,
    double TrainTop1,
    IReadOnlyList<double> EpochLosses,
    int NumClasses,
    int TrainCount,
    int TestCount,
    long Steps,
    FineTuneOptions Options)
{
    /// <summary>One line for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"fine-tune top1 {100 * Top1:F2}% top5 {100 * Top5:F2}% (train {100 * TrainTop1:F2}%)");
}
