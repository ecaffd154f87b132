namespace SslSharp.Training.Logging;

/// <summary>One logged value of a named metric.</summary>
/// <param name="Step">Global step the value was logged at.</param>
/// <param name="Epoch">Epoch (0-based) the value was logged in; -1 when the file has no epoch.</param>
/// <param name="Value">The value (may be NaN when the run logged NaN).</param>
public readonly record struct MetricPoint(long Step, int Epoch, double Value);
