using SslSharp.Training;

namespace SslSharp.Benchmarks;

/// <summary>What <see cref="TrainerOverheadBenchmark.Run"/> measured (medians over the measured steps).</summary>
/// <param name="Steps">Measured step pairs.</param>
/// <param name="TrainerMsPerStep">Median wall-clock ms per step through <see cref="Trainer"/>.</param>
/// <param name="HandMsPerStep">Median wall-clock ms per step of the hand-written loop.</param>
/// <param name="WallRatio">Median over step pairs of trainer / hand-written wall-clock time.</param>
/// <param name="CpuRatio">Median over step pairs of trainer / hand-written CPU time of the training thread (robust to other processes on a busy machine).</param>
/// <param name="SameOptimizerMsPerStep">Median wall-clock ms per step of a hand-written loop that uses SslSharp's own <c>Sgd</c> (isolates the loop's overhead from the optimizer implementation).</param>
/// <param name="SameOptimizerWallRatio">Median per-step trainer / same-optimizer hand loop, wall-clock.</param>
/// <param name="SameOptimizerCpuRatio">Median per-step trainer / same-optimizer hand loop, thread CPU time.</param>
public sealed record TrainerOverheadResult(int Steps, double TrainerMsPerStep, double HandMsPerStep, double WallRatio, double CpuRatio,
    double SameOptimizerMsPerStep, double SameOptimizerWallRatio, double SameOptimizerCpuRatio);
