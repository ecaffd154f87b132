namespace SslSharp.Training;

/// <summary>What <see cref="Trainer.Fit"/> returns.</summary>
/// <param name="Steps">Optimizer steps completed in total (including steps restored from a checkpoint).</param>
/// <param name="Epochs">Epochs fully completed.</param>
/// <param name="LastLoss">Loss of the last step taken (NaN when no step ran).</param>
/// <param name="Elapsed">Wall-clock time of this call.</param>
/// <param name="LastCheckpoint">Path of the last checkpoint written, or null.</param>
/// <param name="StepsTaken">Optimizer steps taken by this call (not those restored from a checkpoint).</param>
/// <param name="StepTime">Time inside those steps (data, forward, backward, optimizer; not the evaluations and
/// checkpoints between them): the denominator of a training throughput.</param>
public sealed record TrainResult(long Steps, int Epochs, double LastLoss, TimeSpan Elapsed, string? LastCheckpoint, long StepsTaken, TimeSpan StepTime);
