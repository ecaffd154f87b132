namespace SslSharp.Training;

/// <summary>What one optimizer step measured.</summary>
/// <param name="Step">Global step index (0-based) of the step just taken.</param>
/// <param name="Epoch">Epoch (0-based) the step belongs to.</param>
/// <param name="Loss">The step's loss.</param>
/// <param name="LearningRate">Scheduled learning rate used for the step (before per-group scales).</param>
/// <param name="ImagesPerSecond">Images (not views) processed per second over this step.</param>
public readonly record struct StepMetrics(long Step, int Epoch, double Loss, double LearningRate, double ImagesPerSecond);
