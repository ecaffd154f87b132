using System.Diagnostics;
using System.Globalization;
using SslSharp.Augment.Presets;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Imaging;
using SslSharp.Methods;
using SslSharp.Platform;
using SslSharp.Training;

namespace SslSharp.Benchmarks;

/// <summary>
/// SimCLR + ConvNet training steps on a folder of PNG files, streamed from disk by worker threads
/// (<see cref="StreamingLoader"/>) against the same folder decoded into memory first (<see cref="Loader"/>), in one run,
/// and the resident memory of the streamed epochs.
/// </summary>
/// <remarks>
/// First a streamed run alone (4 epochs), for the resident memory (after full GCs and <c>malloc_trim</c>) after its
/// 10th step and after its last. Then one <see cref="Trainer"/> run alternates the two sources epoch by epoch (even epochs in memory, odd epochs
/// streamed), so both see the same machine load. A step's time runs from the end of the previous step to the end of
/// this one: the wait for the batch, the forward, backward and optimizer step. Reported: the median step time of each
/// source (steady state) and their ratio, the ratio of whole-epoch times (with the queue filling at an epoch's
/// start). Targets (issue 15): step ratio within 1.10, memory within 5%. The folder comes from
/// <c>scripts/write_fashion_png_folder.py</c> (its <c>folder/train</c>).
/// </remarks>
public static class StreamBenchmark
{
    /// <summary>Runs the benchmark on <paramref name="folder"/> (images in class sub-folders).</summary>
    /// <param name="folder">A folder of PNG/JPEG files.</param>
    /// <param name="epochs">Epochs of the timing run, alternating in-memory and streamed (even: at least 2; 0: no timing run).</param>
    /// <param name="memoryEpochs">Epochs of the streamed run whose resident memory is measured.</param>
    /// <param name="memoryInMemory">Measure the memory of an in-memory run instead (the baseline's own warm-up).</param>
    /// <param name="workers">Streaming worker threads.</param>
    /// <param name="imageSize">Decode size.</param>
    /// <param name="channels">1 (grey) or 3.</param>
    /// <param name="batchSize">Images per step.</param>
    /// <param name="output">Where to print the results.</param>
    public static void Run(string folder, int epochs = 6, int memoryEpochs = 4, bool memoryInMemory = false, int workers = 2, int imageSize = 28, int channels = 1, int batchSize = 128, TextWriter? output = null)
    {
        output ??= Console.Out;
        NativeAllocator.Tune();   // as the sslsharp command does at start-up
        var options = new ImageFolderOptions(imageSize, channels);
        var listing = ImageFolder.List(folder);
        var decode = Stopwatch.StartNew();
        using var data = ImageFolder.Read(listing, "folder", SkiaImageDecoder.Instance, options);
        decode.Stop();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {listing.Files.Count} files in {folder}; decoding them all into memory took {decode.Elapsed.TotalSeconds:F1} s; load average {LoadAverage()}"));
        var views = new AugmentRecipe().Build(imageSize, channels, channels == 1 ? ImageFolder.GreyMean : ImageFolder.ColourMean,
            channels == 1 ? ImageFolder.GreyStd : ImageFolder.ColourStd);
        var inMemory = new Loader(data, batchSize, views, seed: 0);
        using var streamed = new StreamingLoader(listing, SkiaImageDecoder.Instance, options, batchSize, views, seed: 0, workers: workers,
            prefetch: Math.Max(4, workers));
        var c = CultureInfo.InvariantCulture;
        var trainerOptions = new TrainerOptions
        {
            Epochs = Math.Max(2, memoryEpochs),
            BatchSize = batchSize,
            Optimizer = SslSharp.Training.Optim.OptimizerKind.Sgd,
            BaseLr = 0.6,
            WeightDecay = 1e-4,
            WarmupEpochs = 0.1,
            ShowProgress = false,
        };

        // 1. Memory: a streamed run alone (or, for comparison, an in-memory one), first in the process (as a CLI run is).
        var memory = new MemoryProbe(streamed.BatchesPerEpoch, output);
        using (var method = NewMethod(channels))
        using (var trainer = new Trainer(method, memoryInMemory ? inMemory : streamed, trainerOptions, new[] { memory }))
            trainer.Fit();
        output.WriteLine(string.Create(c, $"  resident memory of the {(memoryInMemory ? "in-memory" : "streamed")} run: {memory.Early / 1048576.0:F1} MiB after step 10 of the first epoch, " +
            $"{memory.Late / 1048576.0:F1} MiB after the last step ({trainerOptions.Epochs} epochs): x{(double)memory.Late / memory.Early:F3} (target within 5%)"));

        if (epochs == 0) return;

        // 2. Step time: in-memory and streamed epochs alternating in one run.
        var probe = new TimeProbe(streamed.BatchesPerEpoch);
        using (var method = NewMethod(channels))
        using (var trainer = new Trainer(method, new Alternating(inMemory, streamed), trainerOptions with { Epochs = Math.Max(2, epochs) }, new[] { probe }))
            trainer.Fit();
        double memMedian = Median(probe.Times[0]), streamMedian = Median(probe.Times[1]);
        double memTotal = probe.Times[0].Sum(), streamTotal = probe.Times[1].Sum();
        output.WriteLine(string.Create(c, $"  median step: in memory {1000 * memMedian:F1} ms, streamed with {workers} workers {1000 * streamMedian:F1} ms: ratio {streamMedian / memMedian:F3} (target <= 1.10)"));
        output.WriteLine(string.Create(c, $"  whole epochs ({probe.Times[0].Count} steps each way): in memory {memTotal:F1} s, streamed {streamTotal:F1} s: ratio {streamTotal / memTotal:F3}"));
        output.WriteLine($"  load average at the end: {LoadAverage()}");
    }

    private static SslMethod NewMethod(int channels) =>
        new SimCLR(new ConvNet(inChannels: channels, widthMultiplier: 0.5, seed: 0), new SimCLROptions { Seed = 0, Temperature = 0.2 });

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Even epochs from the first source, odd epochs from the second.</summary>
    private sealed class Alternating(IBatchSource even, IBatchSource odd) : IBatchSource
    {
        public long BatchesPerEpoch { get; } = even.BatchesPerEpoch == odd.BatchesPerEpoch
            ? even.BatchesPerEpoch
            : throw new ArgumentException("Both sources must have the same number of batches per epoch.");

        public IEnumerable<ViewBatch> Epoch(int epoch, long skipBatches = 0) =>
            epoch % 2 == 0 ? even.Epoch(epoch, skipBatches) : odd.Epoch(epoch, skipBatches);
    }

    /// <summary>Step times by source (0: in memory, 1: streamed); the first step of the run (start-up) is left out.</summary>
    private sealed class TimeProbe(long stepsPerEpoch) : ITrainerCallback
    {
        private long _last = Stopwatch.GetTimestamp();
        public List<double>[] Times { get; } = [[], []];

        public void OnStepEnd(TrainerState state, StepMetrics metrics)
        {
            long now = Stopwatch.GetTimestamp();
            if (state.Step > 1 && stepsPerEpoch > 0) Times[state.Epoch % 2].Add(Stopwatch.GetElapsedTime(_last, now).TotalSeconds);
            _last = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Resident memory after step 10 of the first epoch, at every epoch's end and after the last step.</summary>
    private sealed class MemoryProbe(long stepsPerEpoch, TextWriter output) : ITrainerCallback
    {
        public long Early { get; private set; }
        public long Late { get; private set; }

        public void OnStepEnd(TrainerState state, StepMetrics metrics)
        {
            if (state.Step == 10) Early = MemoryBenchmark.Resident();
            if (state.Step == state.TotalSteps) Late = MemoryBenchmark.Resident();
            if (state.Step % stepsPerEpoch == 0)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    after epoch {state.Epoch} (step {state.Step}): {MemoryBenchmark.Resident() / 1048576.0:F1} MiB"));
        }
    }
}
