namespace SslSharp.Benchmarks;

/// <summary>What <see cref="MemoryBenchmark.Run"/> measured.</summary>
/// <param name="EarlyStep">Step of the first measurement.</param>
/// <param name="EarlyBytes">Resident memory (after a full GC) at <paramref name="EarlyStep"/>.</param>
/// <param name="LateStep">Step of the second measurement.</param>
/// <param name="LateBytes">Resident memory (after a full GC) at <paramref name="LateStep"/>.</param>
public sealed record MemoryResult(long EarlyStep, long EarlyBytes, long LateStep, long LateBytes)
{
    /// <summary>Late / early.</summary>
    public double Ratio => (double)LateBytes / EarlyBytes;
}
