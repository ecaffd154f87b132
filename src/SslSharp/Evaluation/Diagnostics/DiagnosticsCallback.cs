using System.Diagnostics;
using System.Globalization;
using SslSharp.Augment;
using SslSharp.Evaluation.Spectral;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Diagnostics;

/// <summary>
/// Periodic label-free diagnostics during training: every <see cref="PeriodicEvaluationCallback.EveryEpochs"/> epochs (and at the
/// end) computes RankMe, alpha-ReQ, numerical rank, singular-value entropy, embedding std, alignment
/// and uniformity of the backbone features and the method's embeddings on a fixed, seeded subset of
/// images, logs them (<see cref="TrainerState.Log"/>, so <c>logged.csv</c>) and to TensorBoard, writes
/// the latest spectra and warns when the numbers signal collapse.
/// </summary>
/// <remarks>
/// <para>Metric names: see <see cref="DiagnosticsResult"/>. Files in the run folder (when the run has one):
/// <c>spectrum_backbone.csv</c> and <c>spectrum_embedding.csv</c> (<see cref="SpectrumCsv"/>: singular
/// values of the uncentred matrices, rewritten at every evaluation, so the files hold the final spectra
/// after training) and <c>tensorboard/</c> (TorchSharp's <c>SummaryWriter</c>, the same names as scalars
/// at the global step).</para>
/// <para>Representations: <see cref="MethodRepresentations"/> (the method's own forward pass in eval mode
/// on eval-preprocessed images; two augmented views per image for the alignment, drawn with the same
/// seed at every evaluation). The callback leaves the method's weights, buffers, train/eval modes and
/// torch's generator state as it found them.</para>
/// <para>Collapse warning: <see cref="CollapseThresholds"/> (defaults and their justification there),
/// printed in yellow through Spectre.Console (or handed to <see cref="Warn"/>).</para>
/// <para>Papers: RankMe (Garrido et al., ICML 2023), alpha-ReQ (Agrawal et al., NeurIPS 2022),
/// dimensional collapse (Jing et al., ICLR 2022), SimSiam's std monitor (Chen &amp; He, CVPR 2021),
/// alignment and uniformity (Wang &amp; Isola, ICML 2020). Callbacks like stable-pretraining's RankMe
/// callback and solo-learn's auto-umap / knn callbacks run the same way, outside the method.</para>
/// </remarks>
public sealed class DiagnosticsCallback : PeriodicEvaluationCallback, IDisposable
{
    /// <summary>Folder of the TensorBoard event files inside the run folder.</summary>
    public const string TensorBoardFolder = "tensorboard";

    /// <summary>The default subset size (RankMe's paper uses up to 25,600; 2,000 gives a stable trend in seconds).</summary>
    public const int DefaultSamples = 2000;

    private readonly Tensor _images;
    private readonly Func<Tensor, Tensor>? _preprocess;
    private readonly IViewGenerator? _views;
    private readonly long _seed;
    private readonly List<DiagnosticsEvaluation> _history = [];
    private readonly int _batchSize = 256;
    private TorchSharp.Modules.SummaryWriter? _tensorBoard;

    /// <summary>Creates the callback on a seeded subset of <paramref name="images"/> (copied; the callback owns the copy).</summary>
    /// <param name="images">Images <c>[M, C, H, W]</c>, uint8 (float in [0, 1] works without <paramref name="views"/>); usually the training set.</param>
    /// <param name="preprocess">Eval preprocessing of float batches in [0, 1] (normalisation), or null.</param>
    /// <param name="views">The training view generator, for the alignment of two augmented views; null skips the alignment.</param>
    /// <param name="samples">Subset size (all images when there are fewer).</param>
    /// <param name="seed">Seed of the subset and of the augmented views.</param>
    public DiagnosticsCallback(Tensor images, Func<Tensor, Tensor>? preprocess = null, IViewGenerator? views = null,
        int samples = DefaultSamples, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[0] < 2)
            throw new ArgumentException($"images must be [M, C, H, W] with at least 2 images but have shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be at least 2 (a spectrum needs rows to compare).");
        using (var scope = NewDisposeScope())
        {
            long m = images.shape[0];
            using var generator = new Generator((ulong)seed);
            var index = randperm(m, generator: generator).narrow(0, 0, Math.Min(samples, m)).sort().Values;
            _images = images.index_select(0, index.to(images.device)).MoveToOuterDisposeScope();
        }
        _preprocess = preprocess;
        _views = views;
        _seed = seed;
    }

    /// <summary>Creates the callback with an eval <see cref="IBatchTransform"/> (deterministic resize / normalise) as the preprocessing.</summary>
    /// <param name="images">Images <c>[M, C, H, W]</c>, uint8.</param>
    /// <param name="evalTransform">Applied to every float batch in [0, 1].</param>
    /// <param name="views">The training view generator for the alignment, or null.</param>
    /// <param name="samples">Subset size.</param>
    /// <param name="seed">Seed of the subset, the views and the transform's generator.</param>
    public DiagnosticsCallback(Tensor images, IBatchTransform evalTransform, IViewGenerator? views = null, int samples = DefaultSamples, long seed = 0)
        : this(images, EvalPreprocess.From(evalTransform, seed), views, samples, seed)
    {
    }

    /// <summary>Images per forward pass (default 256).</summary>
    public int BatchSize
    {
        get => _batchSize;
        init => _batchSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "BatchSize must be at least 1.");
    }

    /// <summary>Device of the forward passes; null uses the method's device.</summary>
    public Device? Device { get; init; }

    /// <summary>When collapse is signalled (default <see cref="CollapseThresholds.Default"/>).</summary>
    public CollapseThresholds Thresholds { get; init; } = CollapseThresholds.Default;

    /// <summary>Whether to write the TensorBoard scalars into <c>RUN_DIR/tensorboard</c> (default true; needs a run folder).</summary>
    public bool TensorBoard { get; init; } = true;

    /// <summary>Whether to write <c>spectrum_backbone.csv</c> / <c>spectrum_embedding.csv</c> (default true; needs a run folder).</summary>
    public bool WriteSpectra { get; init; } = true;

    /// <summary>Receives each collapse warning as plain text; null (default) writes <c>warning: TEXT</c> to the console.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>The subset size actually used.</summary>
    public long Samples => _images.shape[0];

    /// <summary>The fixed image subset <c>[Samples, C, H, W]</c> (owned by the callback).</summary>
    public Tensor Images => _images;

    /// <summary>The eval preprocessing of float batches, or null.</summary>
    public Func<Tensor, Tensor>? Preprocessing => _preprocess;

    /// <summary>All evaluations of the run, oldest first.</summary>
    public IReadOnlyList<DiagnosticsEvaluation> History => _history;

    /// <summary>The most recent evaluation, or null before the first.</summary>
    public DiagnosticsEvaluation? Last => _history.Count > 0 ? _history[^1] : null;

    /// <summary>The collapse warnings printed so far (plain text, one per evaluation that signalled collapse).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    private readonly List<string> _warnings = [];

    /// <summary>Extracts the representations of the subset with <paramref name="method"/> and analyses them (no logging, no files).</summary>
    /// <param name="method">The method.</param>
    /// <param name="progress">Called after every batch with (images done, total), or null.</param>
    public DiagnosticsResult Evaluate(Methods.SslMethod method, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        using var scope = NewDisposeScope();
        using var reps = MethodRepresentations.Extract(method, _images, _preprocess, _views, BatchSize, Device, _seed, progress);
        return DiagnosticsResult.Analyze(reps, Thresholds);
    }

    /// <inheritdoc />
    protected override void EvaluateAndLog(TrainerState state, int epoch)
    {
        var sw = Stopwatch.StartNew();
        var result = Evaluate(state.Method);
        _history.Add(new DiagnosticsEvaluation(epoch, state.Step, result, sw.Elapsed));
        var metrics = result.Metrics();
        foreach (var (name, value) in metrics) state.Log(name, value);
        if (state.RunDirectory is { } dir)
        {
            if (TensorBoard)
            {
                _tensorBoard ??= utils.tensorboard.SummaryWriter(Path.Combine(dir, TensorBoardFolder));
                int step = (int)Math.Min(int.MaxValue, state.Step);
                foreach (var (name, value) in metrics) _tensorBoard.add_scalar(name, (float)value, step);
            }
            if (WriteSpectra)
            {
                SpectrumCsv.Write(Path.Combine(dir, SpectrumCsv.BackboneFile), result.Backbone.SingularValues);
                if (result.Embedding is { } e) SpectrumCsv.Write(Path.Combine(dir, SpectrumCsv.EmbeddingFile), e.SingularValues);
            }
        }
        if (result.CollapseSuspected)
        {
            string where = epoch < 0 ? "before training" : string.Create(CultureInfo.InvariantCulture, $"after epoch {epoch + 1} (step {state.Step})");
            string text = $"possible collapse {where}: {string.Join("; ", result.CollapseSignals)}.";
            _warnings.Add(text);
            if (Warn is not null) Warn(text);
            else Console.WriteLine($"warning: {text}");
        }
    }

    /// <summary>Not at step 0: a run that took no step has nothing new to diagnose.</summary>
    protected override bool CanEvaluateAtEnd(TrainerState state) => state.Step > 0;

    /// <inheritdoc />
    protected override long? LastEvaluatedStep => _history.Count > 0 ? _history[^1].Step : null;

    /// <summary>Disposes the image subset.</summary>
    public void Dispose() => _images.Dispose();
}
