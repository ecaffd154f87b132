using SslSharp.Platform;
using System.Diagnostics;
using System.Globalization;
using SslSharp.Methods;
using SslSharp.Training;

namespace SslSharp.Benchmarks;

/// <summary>
/// Resident memory of a <see cref="Trainer"/> run after 50 and after 500 steps (working set after
/// full GCs and malloc_trim, so only memory still in use counts). A flat run has a ratio near 1.
/// </summary>
public static class MemoryBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    /// <param name="factory">Creates the method. Null: the SimCLR-shaped stand-in.</param>
    /// <param name="earlyStep">First measurement (steps completed).</param>
    /// <param name="lateStep">Second measurement, also the run length.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="imageSize">Image side.</param>
    /// <param name="optimizer">Optimizer name.</param>
    /// <param name="output">Where to print the summary (null: nowhere).</param>
    public static MemoryResult Run(Func<SslMethod>? factory = null, long earlyStep = 50, long lateStep = 500, int batchSize = 32,
        int imageSize = 16, string optimizer = "lars", TextWriter? output = null)
    {
        factory ??= () => new TrainerBenchStandInMethod(width: 16, seed: 0);
        using var batches = new TrainerBenchBatches(batchSize, imageSize, batchesPerEpoch: 100);
        using var method = factory();
        var options = new TrainerOptions
        {
            Epochs = (int)Math.Max(2, (lateStep + 99) / 100),
            BatchSize = batchSize,
            Optimizer = SslSharp.Training.Optim.Optimizers.Parse(optimizer),
            BaseLr = 0.3,
            WarmupEpochs = 1,
            ShowProgress = false,
            MaxSteps = lateStep,
        };
        long early = 0, late = 0;
        long every = Math.Max(1, lateStep / 10);
        var probe = new Probe(s =>
        {
            if (s == earlyStep) early = Resident();
            if (s == lateStep) late = Resident();
            if (output is not null && s % every == 0)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {s}: {Resident() / 1048576.0:F1} MiB"));
        });
        using var trainer = new Trainer(method, batches, options, new[] { probe });
        trainer.Fit();
        var result = new MemoryResult(earlyStep, early, lateStep, late);
        output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Resident memory: {early / 1048576.0:F1} MiB after {earlyStep} steps, {late / 1048576.0:F1} MiB after {lateStep} steps (x{result.Ratio:F3})"));
        return result;
    }

    /// <summary>Resident memory after full GCs, glibc's free pages returned first (<see cref="ResidentMemory.Measure"/>).</summary>
    public static long Resident() => ResidentMemory.Measure(trimHeap: true);

    private sealed class Probe(Action<long> atStep) : ITrainerCallback
    {
        public void OnStepEnd(TrainerState state, StepMetrics metrics) => atStep(state.Step);
    }
}
