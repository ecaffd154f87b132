using System.Globalization;

namespace SslSharp.Evaluation.Probes;

/// <summary>The outcome of a <see cref="LinearProbe"/>.</summary>
/// <param name="Top1">Test top-1 accuracy in [0, 1].</param>
/// <param name="Top5">Test top-5 accuracy in [0, 1].</param>
/// <param name="TrainTop1">Top-1 accuracy on the training features after training (eval mode).</param>
/// <param name="EpochLosses">Mean cross-entropy of each training epoch, in order.</param>
/// <param name="FeatureDim">Feature width <c>D</c>.</param>
/// <param name="NumClasses">Number of classes <c>C</c>.</param>
/// <param name="TrainCount">Training rows.</param>
/// <param name="TestCount">Test rows.</param>
/// <param name="Steps">Optimizer steps taken.</param>
/// <param name="Options">The settings used.</param>
public sealed record LinearProbeResult(
    double Top1,
    double Top5,
    double TrainTop1,
    IReadOnlyList<double> EpochLosses,
    int FeatureDim,
    int NumClasses,
    int TrainCount,
    int TestCount,
    long Steps,
    LinearProbeOptions Options)
{
    /// <summary>One line for logs, e.g. <c>linear top1 84.10% top5 99.20% (train 86.00%)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"linear top1 {100 * Top1:F2}% top5 {100 * Top5:F2}% (train {100 * TrainTop1:F2}%)");
}
