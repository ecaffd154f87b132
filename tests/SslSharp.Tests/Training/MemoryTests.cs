using SslSharp.Platform;
using SslSharp.Training;

namespace SslSharp.Tests.Training;

/// <summary>A long run's resident memory must stay flat (every step disposes its tensors with its dispose scope).</summary>
[Collection("TrainerSerial")]
public class MemoryTests
{
    private static (long At, long End) Run(long measureAt, long steps)
    {
        using var data = new StandInBatchSource(images: 64, batchSize: 16, size: 16);
        using var method = new StandInMethod(width: 16, embed: 16);
        long at = 0;
        var rec = new Recorder { OnStep = (s, m) => { if (s.Step == measureAt) at = ResidentMemory.Measure(); } };
        rec.Steps.Capacity = (int)steps;
        var options = TrainerTests.Options("lars") with { Epochs = (int)(steps / 4), MaxSteps = steps, WarmupEpochs = 1 };
        using var trainer = new Trainer(method, data, options, new[] { rec });
        trainer.Fit();
        long end = ResidentMemory.Measure();
        return (at, end);
    }

    private static void AssertFlat(long at, long end, long measureAt, long steps)
    {
        const long slack = 16L << 20; // 16 MiB absolute slack for allocator noise
        double ratio = (double)end / at;
        Assert.True(end <= at * 1.05 || end - at <= slack,
            $"Resident memory grew from {at >> 20} MiB at step {measureAt} to {end >> 20} MiB at step {steps} (x{ratio:F3}).");
    }

    [Fact]
    public void Memory_stays_flat_over_a_short_run()
    {
        var (at, end) = Run(20, 120);
        AssertFlat(at, end, 20, 120);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Memory_stays_flat_over_300_steps()
    {
        var (at, end) = Run(50, 300);
        AssertFlat(at, end, 50, 300);
    }
}
