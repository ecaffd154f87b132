namespace SslSharp.Core;

/// <summary>
/// Where training stands, passed to the per-step hooks of an <c>SslMethod</c> so that
/// schedules (EMA momentum, teacher temperature, last-layer freezing) are pure functions of the step.
/// </summary>
/// <param name="Step">Global optimizer step, starting at 0.</param>
/// <param name="TotalSteps">Total optimizer steps of the run.</param>
/// <param name="Epoch">Current epoch, starting at 0.</param>
/// <param name="StepsPerEpoch">Optimizer steps per epoch.</param>
public readonly record struct TrainingProgress(long Step, long TotalSteps, int Epoch, long StepsPerEpoch)
{
    /// <summary>Fraction of training done, in [0, 1].</summary>
    public double Fraction => TotalSteps <= 0 ? 0 : Math.Clamp((double)Step / TotalSteps, 0, 1);
}
