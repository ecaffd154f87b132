using System.Diagnostics;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Methods;
using SslSharp.Training.Logging;
using SslSharp.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Training;

/// <summary>
/// The training loop. It knows nothing about any method: per step it moves the batch to the
/// device, calls the method's hooks, sets every group's learning rate from the schedule, runs the
/// forward pass, checks the loss is finite, back-propagates, steps the optimizer, and records
/// metrics; around that it writes <c>metrics.csv</c>, checkpoints and a progress bar.
/// </summary>
/// <remarks>
/// <para>The step is what a hand-written loop does (DINO's <c>train_one_epoch</c>, MAE's
/// <c>engine_pretrain.py</c>) plus O(1) bookkeeping: one <c>.item()</c> per step (the loss),
/// everything inside <c>torch.NewDisposeScope()</c>.</para>
/// <para>Schedule: <c>lr(t) = WarmupCosine(t, round(WarmupEpochs * S), Epochs * S, ScaleLr(BaseLr, BatchSize x W), MinLr)</c>
/// with <c>S</c> = steps per epoch and <c>W</c> the number of processes (the global batch sets the lr); group lr =
/// <c>lr(t) * LrScale</c>, or <c>ScaleLr(BaseLr, BatchSize x W) * LrScale</c> for groups with <see cref="ParameterGroup.FixedLr"/>.</para>
/// <para>In <see cref="TrainerOptions.RunDirectory"/> it writes <c>metrics.csv</c> (one row per step), <c>logged.csv</c>
/// (what callbacks log through <see cref="TrainerState.Log"/>) and checkpoints (<c>last.ckpt</c> at every epoch end
/// and when the run stops); a resumed run appends. Formats: docs/run-folder.md.</para>
/// <para>Progress: with <see cref="TrainerOptions.ShowProgress"/>, through the <see cref="IProgressDisplay"/> the caller
/// gives (the command line's live bar), else one plain line every <see cref="TrainerOptions.LogEverySteps"/> steps.</para>
/// <para>Extras: the named scalars of a step's <see cref="StepOutput.Extras"/> go to <c>logged.csv</c> (step = steps completed).</para>
/// <para>Processes: with a process group of several processes (data parallel), every process runs this loop on its
/// share of each batch; after <c>backward()</c> and before <see cref="SslMethod.OnAfterBackward"/> (where gradient
/// clipping runs) the gradients are averaged over the processes (<see cref="GradientAveraging"/>); only rank 0
/// writes files (metrics, <c>logged.csv</c>, checkpoints; callbacks see no run folder elsewhere) and shows progress.
/// At the start of <see cref="Fit"/> the parameters and buffers are broadcast from rank 0 (<see cref="StateBroadcast"/>)
/// and, for the duration of the fit, every BatchNorm layer of the method normalises with the statistics of the global
/// batch (<see cref="SyncBatchNorm"/>; <see cref="TrainerOptions.SyncBatchNorm"/>).
/// The method reads the group through <see cref="SslMethod.ProcessGroup"/>. With the single-process group (the
/// default) none of this costs anything.</para>
/// </remarks>
public sealed class Trainer : IDisposable
{
    private readonly SslMethod _method;
    private readonly IBatchSource _data;
    private readonly ITrainerCallback[] _callbacks;
    private readonly Device _device;
    private readonly IProgressDisplay? _progress;
    private readonly IProcessGroup _group;
    private readonly bool _averageGradients;
    private readonly TorchSharp.Modules.Parameter[] _trainable;
    private readonly IStepSeeded[] _stepSeeded;
    private readonly int _accumulate;   // batches per optimizer step (TrainerOptions.AccumulationSteps)
    private bool _disposed;

    /// <summary>Creates a trainer; moves <paramref name="method"/> to the device and builds the optimizer from its parameter groups.</summary>
    /// <exception cref="ArgumentException">An option is invalid, or the batch source is empty.</exception>
    /// <param name="method">The method to train.</param>
    /// <param name="data">Where the batches come from.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="callbacks">Evaluation and logging hooks.</param>
    /// <param name="progress">Where progress is shown when <see cref="TrainerOptions.ShowProgress"/> is set (null: plain lines on
    /// the console every <see cref="TrainerOptions.LogEverySteps"/> steps).</param>
    /// <param name="processGroup">The processes of a data-parallel run (null: <see cref="SingleProcessGroup.Instance"/>);
    /// also given to the method as <see cref="SslMethod.ProcessGroup"/>. Not an option: options are saved in checkpoints.</param>
    public Trainer(SslMethod method, IBatchSource data, TrainerOptions options, IEnumerable<ITrainerCallback>? callbacks = null,
        IProgressDisplay? progress = null, IProcessGroup? processGroup = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.BatchesPerEpoch < 1)
            throw new ArgumentException(
                $"The batch source yields {data.BatchesPerEpoch} batches per epoch. Use a smaller batch size or more data (with dropLast, the data set must hold at least one full batch).",
                nameof(data));
        if (options.Device.StartsWith("cuda", StringComparison.Ordinal) && !torch.cuda.is_available())
            throw new ArgumentException($"Device '{options.Device}' was requested but CUDA is not available in this TorchSharp build. Use --device cpu.", nameof(options));
        _method = method;
        _data = data;
        Options = options;
        _callbacks = callbacks?.ToArray() ?? Array.Empty<ITrainerCallback>();
        _progress = progress;
        _group = processGroup ?? SingleProcessGroup.Instance;
        if (_group.WorldSize < 1 || _group.Rank < 0 || _group.Rank >= _group.WorldSize)
            throw new ArgumentException($"The process group says rank {_group.Rank} of {_group.WorldSize}; the rank must be in [0, world size).", nameof(processGroup));
        method.ProcessGroup = _group;
        _device = torch.device(options.Device);
        if (method.parameters().Any(p => !OnDevice(p)) || method.buffers().Any(b => !OnDevice(b))) method.to(_device);
        _accumulate = options.AccumulationSteps;
        if (data.BatchesPerEpoch < _accumulate)
            throw new ArgumentException(
                $"--accumulate {_accumulate} needs at least {_accumulate} batches per epoch; the batch source yields {data.BatchesPerEpoch}. " +
                "Use a smaller accumulation or batch size.", nameof(options));
        StepsPerEpoch = data.BatchesPerEpoch / _accumulate;
        TotalSteps = checked(options.Epochs * StepsPerEpoch);
        WarmupSteps = Math.Min(TotalSteps - 1, (long)Math.Round(options.WarmupEpochs * StepsPerEpoch));
        PeakLr = Schedules.ScaleLr(options.BaseLr, checked(options.BatchSize * _group.WorldSize * _accumulate), options.LrScaling);
        Groups = method.ParameterGroups();
        Optimizer = Optimizers.Create(Groups, options);
        _averageGradients = _group.WorldSize > 1;
        _trainable = Groups.SelectMany(g => g.Parameters).ToArray();
        _stepSeeded = method.named_modules().Select(m => m.module).OfType<IStepSeeded>().ToArray();
    }

    /// <summary>The processes this trainer runs with (<see cref="SingleProcessGroup.Instance"/> unless one was given).</summary>
    public IProcessGroup ProcessGroup => _group;

    /// <summary>Whether this process writes the run's files and shows progress (rank 0).</summary>
    private bool WritesFiles => _group.Rank == 0;

    private bool OnDevice(Tensor t) =>
        t.device_type == _device.type && (_device.type == DeviceType.CPU || t.device_index == _device.index);

    /// <summary>The run's options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The optimizer built from the method's parameter groups.</summary>
    public SslOptimizer Optimizer { get; }

    /// <summary>The parameter groups the optimizer holds.</summary>
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>Images per optimizer step over all processes: per-process batch x processes x accumulated batches.</summary>
    public long GlobalBatchSize => (long)Options.BatchSize * _group.WorldSize * _accumulate;

    /// <summary>Optimizer steps per epoch.</summary>
    public long StepsPerEpoch { get; }

    /// <summary>Steps the schedule spans: <c>Epochs * StepsPerEpoch</c>.</summary>
    public long TotalSteps { get; }

    /// <summary>Linear warmup steps.</summary>
    public long WarmupSteps { get; }

    /// <summary>Peak learning rate after batch-size scaling.</summary>
    public double PeakLr { get; }

    /// <summary>Scheduled learning rate (before group scales) of global step <paramref name="step"/>.</summary>
    public double LearningRateAt(long step) => Schedules.WarmupCosine(step, WarmupSteps, TotalSteps, PeakLr, Options.MinLr);

    /// <summary>
    /// Weight decay of global step <paramref name="step"/>: constant <see cref="TrainerOptions.WeightDecay"/>, or the
    /// cosine from it to <see cref="TrainerOptions.WeightDecayEnd"/> over the run when that is set (DINO 0.04 to 0.4).
    /// </summary>
    public double WeightDecayAt(long step) => Options.WeightDecayEnd is double end
        ? Schedules.Cosine(step, TotalSteps, Options.WeightDecay, end)
        : Options.WeightDecay;

    /// <summary>
    /// Trains until all epochs (or <see cref="TrainerOptions.MaxSteps"/>) are done, resuming from
    /// <see cref="TrainerOptions.ResumeFrom"/> when set.
    /// </summary>
    /// <exception cref="NonFiniteLossException">A step's loss was NaN or infinite (the optimizer did not step).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (after <c>last.ckpt</c> was written).</exception>
    public TrainResult Fit(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var clock = Stopwatch.StartNew();
        long step = 0;
        if (Options.ResumeFrom is { } resume)
        {
            var info = Checkpoint.Restore(resume, _method, Optimizer);
            if (info.GlobalBatchSize is long written && written != GlobalBatchSize)
                throw new InvalidOperationException(
                    $"Checkpoint '{resume}' was written with a global batch of {written} images per step ({info.WorldSize} process(es)) but this run " +
                    $"has {GlobalBatchSize} ({_group.WorldSize} process(es) x {Options.BatchSize} x {_accumulate} accumulated). Resume with the same " +
                    "global batch (--batch-size is the global batch; any number of processes that divides it).");
            if (info.StepsPerEpoch != StepsPerEpoch)
                throw new InvalidOperationException(
                    $"Checkpoint '{resume}' was written with {info.StepsPerEpoch} steps per epoch but this run has {StepsPerEpoch}. " +
                    "Resume with the same data set, batch size and drop-last setting.");
            step = info.Step;
        }
        else
        {
            torch.manual_seed(Options.Seed);
        }

        StateBroadcast.FromRank(_group, _method);
        using var syncBatchNorm = Options.SyncBatchNorm && _method.SynchronizeBatchNorm ? SyncBatchNorm.Attach(_method, _group) : null;

        long endStep = Math.Min(TotalSteps, Options.MaxSteps ?? long.MaxValue);
        long startStep = step;
        string? runDir = WritesFiles ? Options.RunDirectory : null;
        if (runDir is not null) Checkpoint.RemoveStaleTemporaries(runDir);   // left by a write that was killed
        using var writer = runDir is null ? null : new MetricsWriter(runDir, append: Options.ResumeFrom is not null, keepUpToStep: step);
        TrainerState? stateRef = null;
        var state = new TrainerState(_method, runDir, StepsPerEpoch, TotalSteps, Options.Epochs,
            (s, name, value) => writer?.WriteLogged(s, stateRef!.Epoch, name, value))
        {
            Step = step,
            Epoch = (int)Math.Min(Options.Epochs - 1, step / StepsPerEpoch),
        };
        stateRef = state;
        var run = new RunState { Step = step };

        bool finished = false;
        try
        {
            foreach (var cb in _callbacks) cb.OnTrainStart(state);
            if (!Options.ShowProgress || !WritesFiles)
                Loop(state, run, endStep, writer, reporter: null, ct);
            else
                (_progress ?? new LineProgressDisplay(Console.Out, Options.LogEverySteps))
                    .Run(startStep, endStep, r => Loop(state, run, endStep, writer, r, ct));
            finished = true;
        }
        finally
        {
            writer?.Flush();
            state.StoppedEarly = !finished;
            foreach (var cb in _callbacks)
            {
                if (finished) cb.OnTrainEnd(state);
                else
                    // The run is already failing (a non-finite loss, a cancellation): that error is the one to report, not a
                    // callback's follow-on failure (a kNN of diverged weights finds NaN features).
                    try { cb.OnTrainEnd(state); } catch (Exception) { }
            }
            writer?.Flush();
        }
        return new TrainResult(run.Step, (int)(run.Step / StepsPerEpoch), run.LastLoss, clock.Elapsed, run.LastCheckpoint,
            run.Step - startStep, TimeSpan.FromSeconds(run.StepSeconds));
    }

    private sealed class RunState
    {
        public long Step;
        public double LastLoss = double.NaN;
        public string? LastCheckpoint;
        public long SavedAtStep = -1;
        public double StepSeconds;   // summed over the steps of this call
    }

    private void Loop(TrainerState state, RunState run, long endStep, MetricsWriter? writer, IProgressReporter? reporter, CancellationToken ct)
    {
        long step = run.Step;
        int firstEpoch = (int)(step / StepsPerEpoch);
        long skip = step % StepsPerEpoch;
        double ticksToSeconds = 1.0 / Stopwatch.Frequency;
        double fixedLr = PeakLr;
        bool cancelled = false;
        double smoothedIps = 0; // exponential moving average for the display only

        for (int epoch = firstEpoch; epoch < Options.Epochs && step < endStep && !cancelled; epoch++)
        {
            state.Epoch = epoch;
            long epochEnd = (epoch + 1) * StepsPerEpoch;
            _method.OnEpochStart(new EpochContext(epoch, skip, new TrainingProgress(step, TotalSteps, epoch, StepsPerEpoch), _data, _device,
                state.Log, ResetOptimizerState));
            using (var batches = _data.Epoch(epoch, skip * _accumulate).GetEnumerator())
            {
                while (step < epochEnd && step < endStep)
                {
                    if (StopRequested(ct)) { cancelled = true; break; }
                    long t0 = Stopwatch.GetTimestamp();
                    double loss = double.NaN, lr = 0;
                    long images;
                    (string Name, double Value)[]? scalars = null;
                    using (var scope = torch.NewDisposeScope())
                    {
                        var progress = new TrainingProgress(step, TotalSteps, epoch, StepsPerEpoch);
                        images = 0;
                        Tensor? lossSum = null;
                        for (int micro = 0; micro < _accumulate; micro++)
                        {
                            using var microScope = torch.NewDisposeScope();   // one batch's tensors at a time
                            if (!batches.MoveNext())
                                throw new InvalidOperationException(
                                    $"The batch source ended after {(step - epoch * StepsPerEpoch) * _accumulate + micro} of its {_data.BatchesPerEpoch} batches in epoch {epoch}. " +
                                    "Its Epoch() must yield exactly BatchesPerEpoch batches.");
                            using var raw = batches.Current;
                            var batch = OnDevice(raw.Views[0]) ? raw : raw.To(_device);
                            try
                            {
                                if (micro == 0)
                                {
                                    foreach (var seeded in _stepSeeded) seeded.Reseed(step);
                                    _method.OnStepStart(progress);
                                    lr = LearningRateAt(step);
                                    for (int g = 0; g < Groups.Count; g++)
                                        Optimizer.SetLearningRate(g, (Groups[g].FixedLr ? fixedLr : lr) * Groups[g].LrScale);
                                    if (Options.WeightDecayEnd is not null)
                                    {
                                        double wd = WeightDecayAt(step);
                                        for (int g = 0; g < Groups.Count; g++)
                                            if (Groups[g].WeightDecay) Optimizer.SetWeightDecay(g, wd);
                                    }
                                    _method.train();
                                    Optimizer.ZeroGrad();
                                }
                                var output = _method.call(batch);
                                if (_accumulate == 1)
                                {
                                    loss = MeanOverProcesses(output.Loss.ToDouble());   // the one host read of a step: the loss the trainer logs
                                    if (!double.IsFinite(loss)) throw new NonFiniteLossException(step, epoch, loss, lr);
                                    output.Loss.backward();
                                }
                                else
                                {
                                    // Each batch's share of the mean; the logged loss is read once, after the last batch.
                                    output.Loss.div(_accumulate).backward();
                                    var part = output.Loss.detach();
                                    lossSum = (lossSum is null ? part : lossSum + part).MoveToOuterDisposeScope();
                                }
                                if (micro == _accumulate - 1)
                                {
                                    // The optimizer step, after the last batch's backward; callbacks then see its output
                                    // after the step (earlier batches of an accumulated step: after their backward).
                                    if (lossSum is not null)
                                    {
                                        loss = MeanOverProcesses(lossSum.ToDouble() / _accumulate);
                                        if (!double.IsFinite(loss)) throw new NonFiniteLossException(step, epoch, loss, lr);
                                    }
                                    if (_averageGradients) GradientAveraging.Average(_group, _trainable);
                                    _method.OnAfterBackward(progress);
                                    Optimizer.Step();
                                    _method.OnAfterOptimizerStep(progress);
                                }
                                foreach (var cb in _callbacks) cb.OnStepOutput(state, batch, output);
                                if (output.Extras is { Scalars.Count: > 0 } extras) scalars = ReadScalars(extras);
                                images += batch.BatchSize;
                            }
                            finally
                            {
                                if (!ReferenceEquals(batch, raw)) batch.Dispose();
                            }
                        }
                    }
                    double seconds = (Stopwatch.GetTimestamp() - t0) * ticksToSeconds;
                    var metrics = new StepMetrics(step, epoch, loss, lr, seconds > 0 ? images / seconds : 0);
                    step++;
                    run.Step = step;
                    run.StepSeconds += seconds;
                    run.LastLoss = loss;
                    state.Step = step;
                    writer?.WriteStep(metrics);
                    if (scalars is not null)
                        foreach (var (name, value) in scalars) state.Log(name, value);
                    foreach (var cb in _callbacks) cb.OnStepEnd(state, metrics);
                    smoothedIps = smoothedIps == 0 ? metrics.ImagesPerSecond : 0.9 * smoothedIps + 0.1 * metrics.ImagesPerSecond;
                    reporter?.Step(step, endStep, epoch, Options.Epochs, loss, lr, smoothedIps);
                    if (writer is not null && step % Options.LogEverySteps == 0) writer.Flush();
                }
            }
            skip = 0;
            if (step == epochEnd)
            {
                foreach (var cb in _callbacks) cb.OnEpochEnd(state);
                writer?.Flush();
                SaveCheckpoints(run, epochCompleted: epoch + 1, reporter);
            }
        }
        if (run.SavedAtStep != run.Step && run.Step > 0) SaveCheckpoints(run, epochCompleted: null, reporter);
        if (cancelled)
        {
            writer?.Flush();
            // With several processes this one may not have been signalled itself: it stops because another was.
            throw new OperationCanceledException(ct.IsCancellationRequested
                ? "The run was stopped (last.ckpt written)."
                : "The run was stopped because another process of the group was asked to stop (last.ckpt written).", ct);
        }
    }

    /// <summary>
    /// The loss of the global batch: each process's loss covers its own share of the batch, so the logged value is their
    /// mean (one all-reduce of a scalar), as one process with the whole batch would log it. Every process then sees the
    /// same value, so a non-finite loss on any of them stops all of them at the same step.
    /// </summary>
    private double MeanOverProcesses(double local)
    {
        if (_group.WorldSize == 1) return local;
        using var value = torch.tensor(new[] { local });
        _group.AllReduceSum(value);
        return value.ToDouble() / _group.WorldSize;
    }

    /// <summary>
    /// Whether to stop before the next step. With several processes the decision is collective (an all-reduce of
    /// the flag, max): a signal reaching the processes at different moments still stops them all at the same step, so
    /// none waits in a collective for one that has left.
    /// </summary>
    private bool StopRequested(CancellationToken ct)
    {
        if (_group.WorldSize == 1) return ct.IsCancellationRequested;
        using var flag = torch.tensor(new long[] { ct.IsCancellationRequested ? 1 : 0 });
        _group.AllReduceMax(flag);
        return flag.ToInt64() > 0;
    }

    private void SaveCheckpoints(RunState run, int? epochCompleted, IProgressReporter? reporter)
    {
        if (Options.RunDirectory is null || !WritesFiles) return;
        var info = new CheckpointInfo(_method.GetName(), run.Step, (int)Math.Min(Options.Epochs - 1, run.Step / StepsPerEpoch),
            StepsPerEpoch, Optimizers.NameOf(Options.Optimizer), Checkpoint.OptionsToJson(Options with { ResumeFrom = null }),
            Options.ConfigJson, DateTime.UtcNow, GlobalBatchSize: GlobalBatchSize, WorldSize: _group.WorldSize);
        string last = Path.Combine(Options.RunDirectory, Checkpoint.LastFileName);
        Checkpoint.Save(last, _method, Optimizer, info);
        run.LastCheckpoint = last;
        run.SavedAtStep = run.Step;
        if (epochCompleted is int e && Options.CheckpointEveryEpochs > 0 && e % Options.CheckpointEveryEpochs == 0)
        {
            string periodic = Path.Combine(Options.RunDirectory, $"epoch-{e:D4}.ckpt");
            File.Copy(last, periodic + ".tmp", overwrite: true);
            File.Move(periodic + ".tmp", periodic, overwrite: true);
            reporter?.Message($"checkpoint {periodic}");
        }
    }

    private static (string Name, double Value)[] ReadScalars(StepExtras extras)
    {
        var values = new (string, double)[extras.Scalars.Count];
        int i = 0;
        foreach (var (name, t) in extras.Scalars)
        {
            if (t.numel() != 1)
                throw new InvalidOperationException($"The method's logged scalar '{name}' has shape [{string.Join(", ", t.shape)}]; log 0-d tensors (e.g. loss_part.detach()).");
            values[i++] = (name, t.ToDouble());
        }
        return values;
    }

    /// <summary>Zeros the optimizer state tensors (named <c>g{group}.p{index}.*</c>) of <paramref name="parameters"/>.</summary>
    private void ResetOptimizerState(IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        var handles = parameters.Select(p => p.Handle).ToHashSet();
        var prefixes = new List<string>();
        for (int g = 0; g < Groups.Count; g++)
            for (int i = 0; i < Groups[g].Parameters.Count; i++)
                if (handles.Contains(Groups[g].Parameters[i].Handle)) prefixes.Add($"g{g}.p{i}.");
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in Optimizer.StateTensors())
            if (prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))) tensor.zero_();
    }

    /// <summary>Disposes the optimizer state (not the method).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Optimizer.Dispose();
    }
}
