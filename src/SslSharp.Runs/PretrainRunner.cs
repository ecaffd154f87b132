using SslSharp.Augment;
using SslSharp.Augment.Presets;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Distributed.Mpi;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Diagnostics;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Evaluation.Decoder;
using SslSharp.Evaluation.Probes;
using SslSharp.Evaluation.Spectral;
using SslSharp.Methods;
using SslSharp.Methods.Masked;
using SslSharp.Reporting;
using SslSharp.Training;
using SslSharp.Training.Logging;
using TorchSharp;

namespace SslSharp.Runs;

/// <summary>
/// One pretraining run from a <see cref="RunConfig"/>: loads the data, builds backbone + method +
/// augmentations, trains with the <see cref="Trainer"/> (kNN, label-free diagnostics and, with labels,
/// the online probe as callbacks), evaluates kNN on the held-out set, and
/// writes the run folder (<c>config.yaml</c>, <c>metrics.csv</c>, plots, <c>last.ckpt</c>,
/// <c>summary.md</c>). This is what <c>sslsharp pretrain</c> runs.
/// </summary>
public static class PretrainRunner
{
    /// <summary>Runs <paramref name="config"/> into <paramref name="runDirectory"/>.</summary>
    /// <param name="config">The resolved configuration.</param>
    /// <param name="runDirectory">The run folder (created if missing).</param>
    /// <param name="resumeFrom">A checkpoint to resume from, or null.</param>
    /// <param name="showProgress">Show a progress bar (a line per few steps when output is redirected).</param>
    /// <param name="maxSteps">Stop after this many steps (for tests and smoke runs), or null.</param>
    /// <param name="commandLine">The command line, for the summary.</param>
    /// <param name="ct">Stops the run after the current step.</param>
    /// <param name="progress">Where progress is shown (null: plain lines on the console).</param>
    /// <param name="warn">Receives collapse warnings as plain text (null: <c>warning: TEXT</c> on the console).</param>
    /// <param name="processGroup">The processes of a data-parallel run (null: the MPI job when an MPI launcher started this
    /// process, else one process; see <see cref="MpiProcessGroup.FromEnvironment"/>). <see cref="RunConfig.BatchSize"/> is
    /// the global batch: each process trains on its disjoint <c>1/W</c> share of every batch, only rank 0 evaluates and
    /// writes the run folder, and the other ranks return a result without evaluations or files.</param>
    /// <exception cref="ArgumentException">The batch size does not split evenly over the processes.</exception>
    public static PretrainResult Run(RunConfig config, string runDirectory, string? resumeFrom = null,
        bool showProgress = true, long? maxSteps = null, string? commandLine = null, CancellationToken ct = default,
        IProgressDisplay? progress = null, Action<string>? warn = null, IProcessGroup? processGroup = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        Validate(config);
        var group = processGroup ?? MpiProcessGroup.FromEnvironment();
        bool main = group.Rank == 0;
        if (config.BatchSize % group.WorldSize != 0)
            throw new ArgumentException($"The batch size {config.BatchSize} is the global batch and must split evenly over the {group.WorldSize} processes; use a multiple of {group.WorldSize}.");
        int localBatch = config.BatchSize / group.WorldSize;

        var entry = RunData.Entry(config.Dataset, config, warn);
        using var streamed = config.Workers > 0 ? StreamedFolder.Open(config, warn) : null;
        var (train, test, evaluatedOn) = streamed is null ? Splits(config, entry) : (streamed.Bank, streamed.Eval, streamed.EvaluatedOn);
        using var trainData = train;
        using var testData = test;
        // kNN and the raw-pixel baseline use the labelled images only (STL-10's unlabelled split, an unlabelled folder).
        using var bank = RunData.Labelled(train);
        using var queries = RunData.Labelled(test);
        using var method = CreateMethod(config, train.Channels, train.Height, initialize: true);
        method.to(new torch.Device(config.Device));

        var views = (config.Augment ?? new AugmentRecipe()).Build(train.Height, train.Channels, entry.Mean, entry.Std);
        var evalTransform = SimCLRAugment.Eval(entry.Mean, entry.Std);
        IBatchSource loader = streamed is not null ? streamed.CreateLoader(config, localBatch, views, group.Rank, group.WorldSize, warn) : new Loader(train, localBatch, views, config.Seed)
        {
            EvalTransform = evalTransform,
            ShardIndex = group.Rank,
            ShardCount = group.WorldSize,
        };
        using var stopLoader = loader as IDisposable;
        var knn = bank is null || queries is null ? null : new KnnCallback(bank.Images, bank.Labels, queries.Images, queries.Labels, evalTransform, config.Seed)
        {
            EveryEpochs = config.KnnEvery,
            EvaluateAtEnd = true,
            Device = new torch.Device(config.Device),
        };
        using var diagnostics = new DiagnosticsCallback(train.Images, evalTransform, views, seed: config.Seed)
        {
            EveryEpochs = config.DiagnosticsEvery,
            Device = new torch.Device(config.Device),
            Warn = warn,
        };
        using var probe = UsesOnlineProbe(config, train)
            ? new OnlineProbeCallback(train.NumClasses) { Seed = config.Seed }
            : null;
        // Evaluations run on rank 0 alone (in eval mode: no collectives), on the same weights every rank holds.
        var callbacks = main ? new List<ITrainerCallback> { diagnostics } : [];
        if (knn is not null && main) callbacks.Insert(0, knn);
        if (probe is not null && main) callbacks.Add(probe);

        var options = TrainerOptionsFor(config) with
        {
            BatchSize = localBatch,
            RunDirectory = runDirectory,
            ShowProgress = showProgress,
            MaxSteps = maxSteps,
            ResumeFrom = resumeFrom,
        };
        options.Validate();
        long? resumedAt = resumeFrom is null ? null : CheckResumable(resumeFrom, method, loader.BatchesPerEpoch);

        // Everything that can be checked was: only now does the run folder change.
        var files = new List<string>();
        if (main)
        {
            Directory.CreateDirectory(runDirectory);
            files.Add(config.Write(runDirectory));
        }
        TrainResult result;
        using (var trainer = new Trainer(method, loader, options, callbacks, progress, group))
            result = trainer.Fit(ct);
        if (!main) return new PretrainResult(runDirectory, result, null, null, [], [], []);   // rank 0 evaluates and writes

        var final = knn is null ? null : knn.LastResult ?? knn.Evaluate(method.Encoder);
        var pixels = knn is null ? null : PixelKnn(bank!.Images, bank.Labels, queries!.Images, queries.Labels, knn.Options);
        files.Add(Path.Combine(runDirectory, MetricsCsv.MetricsFile));
        files.Add(Path.Combine(runDirectory, MetricsCsv.LoggedFile));
        files.AddRange(TrainingPlots.WriteAll(runDirectory));
        files.AddRange(new[] { SpectrumCsv.BackboneFile, SpectrumCsv.EmbeddingFile }.Select(f => Path.Combine(runDirectory, f)).Where(File.Exists));
        if (result.LastCheckpoint is not null) files.Add(result.LastCheckpoint);
        if (method is MAE mae)
        {
            var grid = Path.Combine(runDirectory, MaskedReconstruction.GridFileName);
            DecoderGrid.Write(MaskedReconstruction.Sample(mae, test.Images, entry.Mean, entry.Std, DecoderOptions.Default.GridImages,
                config.Seed, new torch.Device(config.Device)), grid);
            files.Add(grid);
        }
        var summary = new RunSummary
        {
            Method = config.Method,
            Dataset = config.Dataset,
            Backbone = config.Backbone.Name,
            Epochs = result.Epochs,
            Steps = result.Steps,
            BatchSize = config.BatchSize,
            Accumulate = config.Accumulate,
            WallTime = result.Elapsed,
            StepsTaken = result.StepsTaken,
            StepTime = result.StepTime,
            FinalLoss = result.LastLoss,
            Knn = final,
            CommandLine = commandLine,
            Extra = new[] { new KeyValuePair<string, string>("evaluated on", evaluatedOn) }
                .Concat(streamed is null ? [] : [new KeyValuePair<string, string>("training images", streamed.Describe(config.Workers))])
                .Concat(knn is null
                    ? [new KeyValuePair<string, string>("kNN and raw-pixel baseline", $"skipped: {(bank is null ? "the training set" : "the evaluation set")} has no labels")]
                    : [])
                .Concat((pixels?.Scores ?? []).Select(p => new KeyValuePair<string, string>(
                    $"raw-pixel kNN top-1, k={p.K} (baseline)", Percent(p.Top1))))
                .Concat(probe is { LastTop1: var top1 } && double.IsFinite(top1)
                    ? [new KeyValuePair<string, string>(resumedAt is long at
                        ? $"online probe top-1, last epoch (augmented training batches; checkpoints hold no probe, so it restarted untrained at the resume from step {at})"
                        : "online probe top-1, last epoch (augmented training batches)", Percent(top1))]
                    : [])
                .Concat(DiagnosticsLines(diagnostics))
                .ToArray(),
            KnnPlotFile = files.Any(f => f.EndsWith(TrainingPlots.KnnPlotFile, StringComparison.Ordinal)) ? TrainingPlots.KnnPlotFile : null,
            CheckpointFile = result.LastCheckpoint is null ? null : Path.GetFileName(result.LastCheckpoint),
        };
        files.Add(summary.Write(runDirectory));
        return new PretrainResult(runDirectory, result, final, pixels, files, diagnostics.History.ToArray(), diagnostics.Warnings.ToArray());
    }

    /// <summary>
    /// The trainer settings <paramref name="config"/> gives (epochs, batch, optimizer with its betas, schedules, seed,
    /// device); <see cref="Run"/> adds the per-process batch, the run folder and the step limits. AdamW's betas are the
    /// trainer's default unless <see cref="RunConfig.Betas"/> sets them.
    /// </summary>
    public static TrainerOptions TrainerOptionsFor(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = new TrainerOptions
        {
            Epochs = config.Epochs,
            BatchSize = config.BatchSize,
            AccumulationSteps = config.Accumulate,
            Optimizer = config.Optimizer,
            BaseLr = config.LearningRate,
            WeightDecay = config.WeightDecay,
            WeightDecayEnd = config.WeightDecayEnd,
            WarmupEpochs = config.WarmupEpochs,
            MinLr = config.MinLr,
            Seed = config.Seed,
            Device = config.Device,
            ConfigJson = config.ToJson(),
        };
        return config.Betas is { Length: 2 } b ? options with { Betas = (b[0], b[1]) } : options;
    }

    /// <summary>
    /// The training set and the evaluation set of a run, and a line saying which split the evaluation uses: the data
    /// set's test (held-out) split, or with <see cref="RunConfig.ValSplit"/> a seeded validation split of the training
    /// images (the test set is then not used at all).
    /// </summary>
    public static (ImageDataset Train, ImageDataset Eval, string EvaluatedOn) Splits(RunConfig config, DatasetEntry entry)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(entry);
        var (train, test) = entry.Load(config.DataDir, 0);
        return Splits(config, train, test);
    }

    /// <summary><see cref="Splits(RunConfig, DatasetEntry)"/> of loaded data: <paramref name="train"/> and
    /// <paramref name="test"/> themselves without a validation split; else the two parts of <paramref name="train"/>
    /// (both inputs are then disposed). The split depends only on the training set, <see cref="RunConfig.ValSplit"/>
    /// and <see cref="RunConfig.Seed"/>, so an evaluation can hold out the images the run held out.</summary>
    public static (ImageDataset Train, ImageDataset Eval, string EvaluatedOn) Splits(RunConfig config, ImageDataset train, ImageDataset test)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        long n;
        try
        {
            n = config.ValidationCount(train.Count);
        }
        catch
        {
            train.Dispose();
            test.Dispose();
            throw;
        }
        if (n == 0) return (train, test, $"test split: {test.Count} images of {test.Name}");
        test.Dispose();
        using (train)
        {
            var (rest, val) = ImageDataset.SplitSeeded(train, train.Count - n, unchecked((long)SplitMix64.Mix(config.Seed, ValidationStream)),
                $"{train.Name}-minus-val", $"{train.Name}-val");
            return (rest, val, $"validation split: {n} of the {train.Count} training images held out (seed {config.Seed}); the test set is not used");
        }
    }

    /// <summary>The stream of <see cref="SplitMix64"/> the validation split is drawn from.</summary>
    internal const long ValidationStream = 0x76616c5f73706c74;   // "val_splt"

    /// <summary>
    /// Fails before anything is written when <paramref name="checkpoint"/> cannot continue in this run: its weights do not
    /// fit <paramref name="method"/> (another backbone, width or head) or it was written with another number of steps per
    /// epoch (another batch size or data set). Loads the weights as a side effect (the trainer restores them again).
    /// </summary>
    /// <returns>The step the checkpoint continues from.</returns>
    private static long CheckResumable(string checkpoint, SslMethod method, long stepsPerEpoch)
    {
        var info = Checkpoint.LoadWeights(checkpoint, method);
        if (info.StepsPerEpoch != stepsPerEpoch)
            throw new InvalidOperationException(
                $"Checkpoint '{checkpoint}' was written with {info.StepsPerEpoch} steps per epoch but this run has {stepsPerEpoch}. " +
                "Resume with the same data set and batch size.");
        return info.Step;
    }

    /// <summary>The summary rows of the last label-free diagnostics: RankMe, embedding std and the collapse verdict.</summary>
    private static IEnumerable<KeyValuePair<string, string>> DiagnosticsLines(DiagnosticsCallback diagnostics)
    {
        if (diagnostics.Last is not { } last) yield break;
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var b = last.Result.Backbone;
        yield return new("RankMe of the backbone features, last diagnostics", string.Create(c, $"{b.RankMe:F1} of at most {Math.Min(b.Rows, b.Dim)}"));
        if (last.Result.Embedding is { } e)
        {
            yield return new("RankMe of the embeddings, last diagnostics", string.Create(c, $"{e.RankMe:F1} of at most {Math.Min(e.Rows, e.Dim)}"));
            yield return new("std of the L2-normalised embeddings", string.Create(c, $"{e.NormalizedStd:G3} (healthy ~ 1/sqrt({e.Dim}) = {e.HealthyStd:G3})"));
        }
        yield return new("collapse warnings", diagnostics.Warnings.Count == 0
            ? "none"
            : string.Create(c, $"{diagnostics.Warnings.Count}; last: {diagnostics.Warnings[^1]}"));
    }

    private static string Percent(double fraction) => (100 * fraction).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " %";

    /// <summary>
    /// Whether the run trains the online probe: <see cref="RunConfig.OnlineProbe"/> is on and every
    /// training image has a label of one of at least two classes (no <c>-1</c>).
    /// </summary>
    public static bool UsesOnlineProbe(RunConfig config, ImageDataset train)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(train);
        if (!config.OnlineProbe || train.NumClasses < 2 || train.Labels.NumberOfElements == 0) return false;
        using var min = train.Labels.min();
        return min.item<long>() >= 0;
    }

    /// <summary>
    /// Checks the names and numbers of <paramref name="config"/> before anything is loaded or written,
    /// so a typo costs no data loading and leaves no run folder behind.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown method, data set, backbone or optimizer (the
    /// message lists the known ones), or a number out of range.</exception>
    public static void Validate(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        RunData.Entry(config.Dataset, config);   // an unknown name, or folder settings out of range
        if (!MethodRegistry.IsKnown(config.Method))
            throw new ArgumentException($"Unknown method '{config.Method}'. Known methods: {string.Join(", ", MethodRegistry.Names)}.");
        if (!BackboneFactory.IsKnown(config.Backbone.Name))
            throw new ArgumentException($"Unknown backbone '{config.Backbone.Name}'. Known backbones: {string.Join(", ", BackboneFactory.Names)}.");
        if (!Enum.IsDefined(config.Optimizer))
            throw new ArgumentException($"Unknown optimizer {(int)config.Optimizer}. Known optimizers: {string.Join(", ", Training.Optim.Optimizers.Names)}.");
        if (config.Epochs < 1) throw new ArgumentException($"epochs must be at least 1, got {config.Epochs}.");
        if (config.BatchSize < 2) throw new ArgumentException($"batch size must be at least 2 (a contrastive batch needs negatives), got {config.BatchSize}.");
        if (config.Workers < 0) throw new ArgumentException($"workers must be 0 (decode into memory) or a number of decode threads, got {config.Workers}.");
        if (config.Workers > 0 && !string.Equals(DatasetCatalog.Find(config.Dataset).Name, ImageFolder.Name, StringComparison.Ordinal))
            throw new ArgumentException($"workers {config.Workers} streams image folders only (--dataset folder); '{config.Dataset}' is read into memory: use --workers 0.");
        if (config.DiagnosticsEvery < 0) throw new ArgumentException($"diagnostics_every must be 0 (only at the end) or positive, got {config.DiagnosticsEvery}.");
        if (config.Betas is { } betas && (betas.Length != 2 || !betas.All(b => b >= 0 && b < 1)))
            throw new ArgumentException($"betas must be two numbers in [0, 1), e.g. [0.9, 0.95], got [{string.Join(", ", betas)}].");
        if (!(config.Backbone.WidthMultiplier > 0 && double.IsFinite(config.Backbone.WidthMultiplier)))
            throw new ArgumentException($"width multiplier must be a positive number, got {config.Backbone.WidthMultiplier}.");
    }

    /// <summary>
    /// The same kNN on raw pixels (flattened, /255): the baseline a learned representation has to beat
    /// on this split.
    /// </summary>
    public static KnnResult PixelKnn(ImageDataset train, ImageDataset test, KnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        return PixelKnn(train.Images, train.Labels, test.Images, test.Labels, options);
    }

    /// <summary>The raw-pixel kNN baseline on tensors: bank images and labels, query images and labels.</summary>
    public static KnnResult PixelKnn(torch.Tensor bankImages, torch.Tensor bankLabels, torch.Tensor queryImages, torch.Tensor queryLabels, KnnOptions options)
    {
        using var scope = torch.NewDisposeScope();
        return Knn.Evaluate(PixelFeatures(bankImages), bankLabels, PixelFeatures(queryImages), queryLabels, options);
    }

    /// <summary>The raw-pixel features of images <c>[N, C, H, W]</c> (uint8 0-255): flattened and /255, <c>[N, C H W]</c> float32.</summary>
    public static torch.Tensor PixelFeatures(torch.Tensor images) => images.flatten(1).to(torch.float32).div(255);

    /// <summary>Builds the backbone and method that <paramref name="config"/> describes (fresh weights).</summary>
    /// <param name="config">The run configuration.</param>
    /// <param name="inChannels">Image channels of the data set.</param>
    /// <param name="imageSize">Image side of the data set (the training crops' size); a ViT needs it.</param>
    /// <param name="initialize">Start the backbone from <see cref="RunConfig.InitFrom"/> when set (a new run; not when a
    /// checkpoint's weights replace them anyway). The weights go in before the method is built, so an EMA teacher
    /// starts from them too.</param>
    public static SslMethod CreateMethod(RunConfig config, int inChannels, int? imageSize = null, bool initialize = false)
    {
        var backbone = BackboneFactory.Create(config.Backbone, inChannels, config.Seed, imageSize);
        if (initialize && config.InitFrom is { } init)
        {
            try
            {
                ModelExport.LoadBackbone(init, backbone);
            }
            catch
            {
                backbone.Dispose();
                throw;
            }
        }
        var settings = new Dictionary<string, string>(config.Options, StringComparer.Ordinal);
        settings.TryAdd("seed", config.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return MethodRegistry.Create(config.Method, backbone, new MethodSettings(settings));
    }
}
