namespace SslSharp.Evaluation.Neighbours;

/// <summary>One kNN evaluation made during training.</summary>
/// <param name="Epoch">Epoch (0-based) after which the evaluation ran; -1 before training.</param>
/// <param name="Step">Global step at which it ran (number of steps taken).</param>
/// <param name="Result">The accuracies.</param>
/// <param name="Elapsed">Wall time of feature extraction plus kNN.</param>
public sealed record KnnEvaluation(int Epoch, long Step, KnnResult Result, TimeSpan Elapsed);
