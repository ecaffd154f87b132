using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>
/// Training-step time through the <see cref="Trainer"/> against a hand-written TorchSharp loop doing
/// the same model, loss and optimizer step (TorchSharp's own <c>torch.optim.SGD</c>, momentum 0.9,
/// weight decay on weights only, per-step lr, one <c>.item()</c> for the loss) on the same
/// pre-built batches.
/// </summary>
/// <remarks>
/// The two alternate step by step: a callback of the Trainer runs one hand-written step after every
/// Trainer step, so both see the same machine state. The Trainer's step time runs from the end of
/// one callback to the start of the next, i.e. everything the Trainer does per step (batch fetch,
/// dispose scope, hooks, lr setting, forward, finite check, backward, optimizer, metrics,
/// callbacks dispatch); run setup (once per run) is excluded. Reported: medians of per-step times
/// and of per-pair ratios, on wall-clock and on the thread's CPU time (Linux
/// <c>CLOCK_THREAD_CPUTIME_ID</c>; with one intra-op thread all tensor work runs on the calling
/// thread). Target: ratio &lt;= 1.05.
/// </remarks>
public static class TrainerOverheadBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    /// <param name="factory">Creates the method (called twice; must give identical models, e.g. a fixed seed). Null: the SimCLR-shaped stand-in.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="imageSize">Image side.</param>
    /// <param name="steps">Measured step pairs.</param>
    /// <param name="warmupSteps">Unmeasured step pairs first.</param>
    /// <param name="threads">torch intra-op threads during the benchmark (1 keeps CPU time on the calling thread).</param>
    /// <param name="output">Where to print the summary (null: nowhere).</param>
    public static TrainerOverheadResult Run(Func<SslMethod>? factory = null, int batchSize = 32, int imageSize = 32,
        int steps = 200, int warmupSteps = 20, int threads = 1, TextWriter? output = null)
    {
        factory ??= () => new TrainerBenchStandInMethod(seed: 0);
        int previousThreads = torch.get_num_threads();
        torch.set_num_threads(threads);
        try
        {
            using var batches = new TrainerBenchBatches(batchSize, imageSize);
            using var trainerMethod = factory();
            using var handMethod = factory();
            using var ownMethod = factory();
            int total = steps + warmupSteps;
            var options = new TrainerOptions
            {
                Epochs = (int)Math.Max(2, (total + batches.BatchesPerEpoch - 1) / batches.BatchesPerEpoch),
                BatchSize = batchSize,
                Optimizer = SslSharp.Training.Optim.OptimizerKind.Sgd,
                BaseLr = 0.3,
                WeightDecay = 1e-4,
                WarmupEpochs = 0.01,
                ShowProgress = false,
                MaxSteps = total,
            };
            var pacer = new Pacer(handMethod, ownMethod, batches, options, warmupSteps);
            using var trainer = new Trainer(trainerMethod, batches, options, new[] { pacer });
            pacer.Schedule = trainer;
            trainer.Fit();
            pacer.Dispose();

            var result = new TrainerOverheadResult(pacer.TrainerWall.Count,
                Median(pacer.TrainerWall), Median(pacer.HandWall),
                Median(pacer.TrainerWall.Zip(pacer.HandWall, (t, h) => t / h)),
                Median(pacer.TrainerCpu.Zip(pacer.HandCpu, (t, h) => t / h)),
                Median(pacer.OwnWall),
                Median(pacer.TrainerWall.Zip(pacer.OwnWall, (t, h) => t / h)),
                Median(pacer.TrainerCpu.Zip(pacer.OwnCpu, (t, h) => t / h)));
            output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Trainer vs hand-written loop (batch {batchSize}, {imageSize}x{imageSize}, {result.Steps} alternating step triples, {threads} thread(s)):\n" +
                $"  hand loop + torch.optim.SGD: {result.TrainerMsPerStep:F2} vs {result.HandMsPerStep:F2} ms/step; median ratio {result.WallRatio:F3} wall, {result.CpuRatio:F3} cpu\n" +
                $"  hand loop + SslSharp Sgd:    {result.TrainerMsPerStep:F2} vs {result.SameOptimizerMsPerStep:F2} ms/step; median ratio {result.SameOptimizerWallRatio:F3} wall, {result.SameOptimizerCpuRatio:F3} cpu\n" +
                $"  (target: ratio <= 1.02)"));
            return result;
        }
        finally
        {
            torch.set_num_threads(previousThreads);
        }
    }

    internal static double Median(IEnumerable<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        if (s.Length == 0) return double.NaN;
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Thread CPU time in ms (Linux); falls back to wall-clock elsewhere.</summary>
    internal static double ThreadCpuMs()
    {
        if (OperatingSystem.IsLinux() && clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var ts) == 0)
            return ts.Seconds * 1e3 + ts.Nanoseconds / 1e6;
        return Stopwatch.GetTimestamp() * 1e3 / Stopwatch.Frequency;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out Timespec ts);

    /// <summary>Trainer callback that times the Trainer's steps and runs one hand-written step after each.</summary>
    private sealed class Pacer : ITrainerCallback, IDisposable
    {
        private readonly SslMethod _method;
        private readonly SslMethod _ownMethod;
        private readonly SslSharp.Training.Optim.Sgd _ownOpt;
        private readonly TrainerBenchBatches _batches;
        private readonly TorchSharp.Modules.SGD _opt;
        private readonly int _warmup;
        private long _lastWall;
        private double _lastCpu;
        private long _step;

        public Pacer(SslMethod method, SslMethod ownMethod, TrainerBenchBatches batches, TrainerOptions options, int warmup)
        {
            _method = method;
            _ownMethod = ownMethod;
            _ownOpt = new SslSharp.Training.Optim.Sgd(ownMethod.ParameterGroups(), options.BaseLr, options.Momentum, options.WeightDecay);
            _batches = batches;
            _warmup = warmup;
            var decay = new List<TorchSharp.Modules.Parameter>();
            var noDecay = new List<TorchSharp.Modules.Parameter>();
            foreach (var (_, p) in method.named_parameters())
                if (p.requires_grad) (p.dim() <= 1 ? noDecay : decay).Add(p);
            _opt = torch.optim.SGD(new[]
            {
                new TorchSharp.Modules.SGD.ParamGroup(decay, lr: options.BaseLr, momentum: options.Momentum, weight_decay: options.WeightDecay),
                new TorchSharp.Modules.SGD.ParamGroup(noDecay, lr: options.BaseLr, momentum: options.Momentum, weight_decay: 0),
            }, options.BaseLr, options.Momentum);
        }

        public Trainer? Schedule { get; set; }
        public List<double> TrainerWall { get; } = new();
        public List<double> TrainerCpu { get; } = new();
        public List<double> HandWall { get; } = new();
        public List<double> HandCpu { get; } = new();
        public List<double> OwnWall { get; } = new();
        public List<double> OwnCpu { get; } = new();

        public void OnTrainStart(TrainerState state) => Mark();

        public void OnStepEnd(TrainerState state, StepMetrics metrics)
        {
            double trainerWall = Stopwatch.GetElapsedTime(_lastWall).TotalMilliseconds;
            double trainerCpu = ThreadCpuMs() - _lastCpu;
            double handWall, handCpu, ownWall, ownCpu;
            if (_step % 2 == 0)
            {
                (handWall, handCpu) = Measure(HandStep);
                (ownWall, ownCpu) = Measure(OwnStep);
            }
            else
            {
                (ownWall, ownCpu) = Measure(OwnStep);
                (handWall, handCpu) = Measure(HandStep);
            }
            _step++;
            if (metrics.Step >= _warmup)
            {
                OwnWall.Add(ownWall);
                OwnCpu.Add(ownCpu);
                TrainerWall.Add(trainerWall);
                TrainerCpu.Add(trainerCpu);
                HandWall.Add(handWall);
                HandCpu.Add(handCpu);
            }
            Mark();
        }

        private static (double Wall, double Cpu) Measure(Action step)
        {
            long w0 = Stopwatch.GetTimestamp();
            double c0 = ThreadCpuMs();
            step();
            return (Stopwatch.GetElapsedTime(w0).TotalMilliseconds, ThreadCpuMs() - c0);
        }

        private void Mark()
        {
            _lastWall = Stopwatch.GetTimestamp();
            _lastCpu = ThreadCpuMs();
        }

        /// <summary>The loop body one writes by hand.</summary>
        private void HandStep()
        {
            using var scope = torch.NewDisposeScope();
            var batch = _batches.Batches[(int)(_step % _batches.Batches.Count)];
            double lr = Schedule!.LearningRateAt(_step);
            foreach (var g in _opt.ParamGroups) g.LearningRate = lr;
            _method.train();
            var output = _method.call(batch);
            double loss = output.Loss.ToDouble();
            if (!double.IsFinite(loss)) throw new InvalidOperationException($"loss {loss} at step {_step}");
            _opt.zero_grad();
            output.Loss.backward();
            _opt.step();
        }

        /// <summary>The same loop body with SslSharp's optimizer.</summary>
        private void OwnStep()
        {
            using var scope = torch.NewDisposeScope();
            var batch = _batches.Batches[(int)(_step % _batches.Batches.Count)];
            double lr = Schedule!.LearningRateAt(_step);
            for (int g = 0; g < _ownOpt.Groups.Count; g++) _ownOpt.SetLearningRate(g, lr);
            _ownMethod.train();
            var output = _ownMethod.call(batch);
            double loss = output.Loss.ToDouble();
            if (!double.IsFinite(loss)) throw new InvalidOperationException($"loss {loss} at step {_step}");
            _ownOpt.ZeroGrad();
            output.Loss.backward();
            _ownOpt.Step();
        }

        public void Dispose()
        {
            _opt.Dispose();
            _ownOpt.Dispose();
        }
    }
}
