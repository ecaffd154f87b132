namespace SslSharp.Training;

/// <summary>What <see cref="Trainer.Fit"/> returns.</summary>
/// <param name="Steps">Optimizer steps completed in total (including steps restored from a checkpoint).</param>
/// <param name="Epochs">Epochs fully completed.</param>
/// <param name="LastLoss">Loss of the last step taken (NaN when no step ran).</param>
/// <param name="Elapsed">Wall-clock time of this call.</param>
/// <param name="LastCheckpoint">Path of the last checkpoint written, or null.</param>
public sealed record TrainResult(long Steps, int Epochs, double LastLoss, TimeSpan Elapsed, string? LastCheckpoint);
