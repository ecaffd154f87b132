using SslSharp.Platform;
using System.Diagnostics;
using System.Runtime.InteropServices;
using SslSharp.Augment;
using SslSharp.Augment.Presets;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>
/// Images per second of the two-view SimCLR pipeline (crop + flip + colour jitter + grayscale +
/// normalise, no blur) on one torch thread, batch 256, at 32 x 32 and 96 x 96 RGB input. Call
/// <see cref="Run"/>; it prints and returns the numbers.
/// </summary>
/// <remarks>
/// Baseline: torchvision's PIL pipeline (RandomResizedCrop, RandomHorizontalFlip,
/// RandomApply(ColorJitter(0.4, 0.4, 0.4, 0.1), 0.8), RandomGrayscale(0.2), ToTensor) measured at
/// about 1,650 images/s (two views per image) on one thread of this machine at 32 x 32.
/// One "image" is one source image turned into two views.
/// </remarks>
public static class AugmentThroughput
{
    /// <summary>
    /// The figure for torchvision's PIL pipeline on one thread here at 32 x 32, in VIEWS per
    /// second (scripts/bench_torchvision_augment.py measured 924 images = 1,848 views per second).
    /// </summary>
    public const double TorchvisionPil32ViewsPerSecond = 1650;

    /// <summary>One measured configuration.</summary>
    /// <param name="ImageSize">Side of the input and output images.</param>
    /// <param name="ImagesPerSecond">Source images turned into two views per second of wall-clock time (median batch).</param>
    /// <param name="MillisecondsPerBatch">Median wall-clock time for one batch (both views).</param>
    /// <param name="CpuImagesPerSecond">
    /// Images per second of CPU time of the calling thread (median batch; with one torch thread all
    /// work runs on it). Equals the wall-clock figure on an idle machine and stays meaningful when
    /// other processes share the cores. NaN where the thread clock is unavailable (non-Linux).
    /// </param>
    /// <param name="CpuMillisecondsPerBatch">Median thread CPU time for one batch.</param>
    /// <param name="Allocator">"default" or "glibc tuned" (see <see cref="NativeAllocator.Tune"/>).</param>
    public sealed record Result(int ImageSize, double ImagesPerSecond, double MillisecondsPerBatch, double CpuImagesPerSecond, double CpuMillisecondsPerBatch, string Allocator = "default");

    /// <summary>
    /// Runs the measurement at 32 and 96 px, first with the C allocator's default settings, then
    /// (when <paramref name="tuneAllocator"/>) again after <see cref="NativeAllocator.Tune"/>, and prints
    /// a table with the ratio to the PIL baseline.
    /// </summary>
    /// <param name="batches">Timed batches per size (after 30 warm-up batches; a quarter as many, after 10, at 96 px).</param>
    /// <param name="threads">Torch intra-op threads (1 for a per-core figure).</param>
    /// <param name="tuneAllocator">Also measure with glibc's allocator tuned (process-wide and irreversible, so it runs last).</param>
    /// <returns>Default-allocator results, then tuned results when measured.</returns>
    public static IReadOnlyList<Result> Run(int batches = 40, int threads = 1, bool tuneAllocator = true)
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(threads);
        try
        {
            var results = new List<Result>();
            Console.WriteLine($"SimCLR two-view augmentation (crop+flip, jitter 0.8, grayscale 0.2, normalise), batch 256, {threads} torch thread(s):");
            results.AddRange(MeasureAndPrint("default allocator", batches).Select(r => r with { Allocator = "default" }));
            if (tuneAllocator && NativeAllocator.Tune())
                results.AddRange(MeasureAndPrint("glibc tuned (mmap threshold 32 MB, no trim)", batches).Select(r => r with { Allocator = "glibc tuned" }));
            return results;
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    private static IEnumerable<Result> MeasureAndPrint(string label, int batches)
    {
        Console.WriteLine($"  {label}:");
        var results = new[] { Measure(32, batches), Measure(96, Math.Max(3, batches / 4), warmup: 10) };
        foreach (var r in results)
            Console.WriteLine($"    {r.ImageSize,3} px: wall {r.ImagesPerSecond,8:N0} images/s ({r.MillisecondsPerBatch:F1} ms/batch); " +
                              $"thread CPU {r.CpuImagesPerSecond,8:N0} images/s ({r.CpuMillisecondsPerBatch:F1} ms/batch)" +
                              (r.ImageSize == 32 ? $"; {2 * r.ImagesPerSecond / TorchvisionPil32ViewsPerSecond:F1}x (wall) / {2 * r.CpuImagesPerSecond / TorchvisionPil32ViewsPerSecond:F1}x (CPU) torchvision PIL ({TorchvisionPil32ViewsPerSecond:N0} views/s; run scripts/bench_torchvision_augment.py for a same-session figure)" : ""));
        return results;
    }


    /// <summary>Median throughput of the two-view SimCLR generator (no blur) at one image size.</summary>
    /// <param name="imageSize">Input and output side in pixels.</param>
    /// <param name="batches">Timed batches.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="warmup">
    /// Untimed batches first: the C allocator needs a few dozen batches before freed tensor memory is
    /// reused instead of being faulted in afresh (the steady state of a training run).
    /// </param>
    public static Result Measure(int imageSize, int batches, int batchSize = 256, int warmup = 30)
    {
        var views = SimCLRAugment.Create(imageSize, 3, SimCLRAugment.Cifar10Mean, SimCLRAugment.Cifar10Std, blur: false);
        var gen = new Generator(42);
        using var images = torch.randint(0, 256, new long[] { batchSize, 3, imageSize, imageSize }, dtype: ScalarType.Byte, generator: gen);
        var times = new List<double>();
        var cpu = new List<double>();
        for (int i = 0; i < batches + warmup; i++)
        {
            double c0 = ThreadCpuMilliseconds();
            var sw = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            using (var batch = views.CreateViews(images, null, gen))
            {
            }
            sw.Stop();
            double c1 = ThreadCpuMilliseconds();
            if (i >= warmup) { times.Add(sw.Elapsed.TotalMilliseconds); cpu.Add(c1 - c0); }
        }
        times.Sort();
        cpu.Sort();
        double ms = times[times.Count / 2], cpuMs = cpu[cpu.Count / 2];
        return new Result(imageSize, batchSize / (ms / 1000.0), ms, batchSize / (cpuMs / 1000.0), cpuMs);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec time);

    /// <summary>CPU time of the calling thread in ms (Linux CLOCK_THREAD_CPUTIME_ID), NaN elsewhere.</summary>
    private static double ThreadCpuMilliseconds()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        const int ClockThreadCpuTimeId = 3;
        return ClockGetTime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : double.NaN;
    }
}
