using System.Diagnostics;
using System.Globalization;
using SslSharp.Augment;
using SslSharp.Data;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Neighbours;

/// <summary>
/// Periodic kNN evaluation during training: extracts features of a labelled bank set (training
/// images) and a query set (held-out images) with the method's <see cref="Methods.SslMethod.Encoder"/>,
/// classifies the queries with <see cref="Knn"/> and logs <c>knn_top1_k{k}</c> and
/// <c>knn_top5_k{k}</c> (fractions in [0, 1]) through <see cref="TrainerState.Log"/>.
/// </summary>
/// <remarks>
/// The online kNN monitor of InstDisc / MoCo / DINO (<c>eval_knn.py</c>) and solo-learn's
/// <c>KNNCallback</c>. The images stay on the CPU; batches move to <see cref="Device"/> (default:
/// the encoder's device). The encoder's train/eval modes are restored after each evaluation.
/// </remarks>
public sealed class KnnCallback : PeriodicEvaluationCallback
{
    private readonly Tensor _bankImages, _bankLabels, _queryImages, _queryLabels;
    private readonly Func<Tensor, Tensor>? _preprocess;
    private readonly List<KnnEvaluation> _history = [];
    private readonly int _batchSize = 256;

    /// <summary>Creates the callback. The tensors are referenced, not copied: keep them alive for the run.</summary>
    /// <param name="bankImages">Bank images <c>[M, C, H, W]</c>, uint8 or float in [0, 1] (usually the training set).</param>
    /// <param name="bankLabels">Bank labels <c>[M]</c>.</param>
    /// <param name="queryImages">Query images <c>[Q, C, H, W]</c> (usually the test set).</param>
    /// <param name="queryLabels">Query labels <c>[Q]</c>.</param>
    /// <param name="preprocess">Eval preprocessing of float batches in [0, 1] (normalisation); null for none.</param>
    public KnnCallback(Tensor bankImages, Tensor bankLabels, Tensor queryImages, Tensor queryLabels,
        Func<Tensor, Tensor>? preprocess = null)
    {
        ArgumentNullException.ThrowIfNull(bankImages);
        ArgumentNullException.ThrowIfNull(bankLabels);
        ArgumentNullException.ThrowIfNull(queryImages);
        ArgumentNullException.ThrowIfNull(queryLabels);
        CheckSet(bankImages, bankLabels, "bank");
        CheckSet(queryImages, queryLabels, "query");
        if (bankImages.shape[1] != queryImages.shape[1])
            throw new ArgumentException(
                $"bank and query images have different channel counts ({bankImages.shape[1]} and {queryImages.shape[1]}).", nameof(queryImages));
        _bankImages = bankImages;
        _bankLabels = bankLabels;
        _queryImages = queryImages;
        _queryLabels = queryLabels;
        _preprocess = preprocess;
    }

    /// <summary>
    /// Creates the callback with an eval <see cref="IBatchTransform"/> (deterministic resize /
    /// normalise of an augmentation preset) as the preprocessing.
    /// </summary>
    /// <param name="bankImages">Bank images <c>[M, C, H, W]</c>, uint8 or float in [0, 1].</param>
    /// <param name="bankLabels">Bank labels <c>[M]</c>.</param>
    /// <param name="queryImages">Query images <c>[Q, C, H, W]</c>.</param>
    /// <param name="queryLabels">Query labels <c>[Q]</c>.</param>
    /// <param name="evalTransform">Applied to every float batch in [0, 1].</param>
    /// <param name="seed">Seed of the generator handed to the transform for each batch (eval transforms normally draw nothing).</param>
    public KnnCallback(Tensor bankImages, Tensor bankLabels, Tensor queryImages, Tensor queryLabels,
        IBatchTransform evalTransform, long seed = 0)
        : this(bankImages, bankLabels, queryImages, queryLabels, EvalPreprocess.From(evalTransform, seed))
    {
    }

    /// <summary>kNN settings (default: cosine, exp(sim / 0.07), k = 20 and 200).</summary>
    public KnnOptions Options { get; init; } = KnnOptions.Default;

    /// <summary>Images per forward pass during feature extraction (default 256).</summary>
    public int BatchSize
    {
        get => _batchSize;
        init => _batchSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "BatchSize must be at least 1.");
    }

    /// <summary>Device for feature extraction; null uses the encoder's device.</summary>
    public Device? Device { get; init; }

    /// <summary>Prefix of the logged names (default <c>knn</c>: <c>knn_top1_k20</c>).</summary>
    public string Prefix { get; init; } = "knn";

    /// <summary>The most recent evaluation, or null before the first.</summary>
    public KnnEvaluation? Last => _history.Count > 0 ? _history[^1] : null;

    /// <summary>The most recent result, or null before the first evaluation (what <c>Runs.RunSummary</c> shows).</summary>
    public KnnResult? LastResult => Last?.Result;

    /// <summary>All evaluations of the run, oldest first.</summary>
    public IReadOnlyList<KnnEvaluation> History => _history;

    /// <summary>The metric names this callback logs for <paramref name="options"/> and <paramref name="prefix"/>.</summary>
    public static IEnumerable<string> MetricNames(KnnOptions options, string prefix = "knn") =>
        options.Ks.SelectMany(k => new[] { Name(prefix, "top1", k), Name(prefix, "top5", k) });

    /// <summary>Extracts bank and query features with <paramref name="encoder"/> and runs kNN (no logging).</summary>
    /// <param name="encoder">Maps images <c>[B, C, H, W]</c> to features <c>[B, D]</c>.</param>
    /// <param name="progress">Called after every batch with (images done, bank + query images); null for none.</param>
    public KnnResult Evaluate(nn.Module<Tensor, Tensor> encoder, Action<long, long>? progress = null)
    {
        using var scope = NewDisposeScope();
        long bankCount = _bankImages.shape[0], total = bankCount + _queryImages.shape[0];
        var bank = FeatureExtractor.Extract(encoder, _bankImages, _preprocess, BatchSize, Device,
            progress is null ? null : (done, _) => progress(done, total));
        var queries = FeatureExtractor.Extract(encoder, _queryImages, _preprocess, BatchSize, Device,
            progress is null ? null : (done, _) => progress(bankCount + done, total));
        return Knn.Evaluate(bank, _bankLabels, queries, _queryLabels, Options);
    }

    /// <inheritdoc />
    protected override void EvaluateAndLog(TrainerState state, int epoch)
    {
        var sw = Stopwatch.StartNew();
        var result = Evaluate(state.Method.Encoder);
        _history.Add(new KnnEvaluation(epoch, state.Step, result, sw.Elapsed));
        foreach (var s in result.Scores)
        {
            state.Log(Name(Prefix, "top1", s.K), s.Top1);
            state.Log(Name(Prefix, "top5", s.K), s.Top5);
        }
    }

    /// <inheritdoc />
    protected override long? LastEvaluatedStep => _history.Count > 0 ? _history[^1].Step : null;

    private static string Name(string prefix, string which, int k) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}_{which}_k{k}");

    private static void CheckSet(Tensor images, Tensor labels, string which)
    {
        if (images.dim() != 4 || images.shape[0] == 0)
            throw new ArgumentException($"{which} images must be a non-empty [N, C, H, W] tensor but have shape [{string.Join(", ", images.shape)}].", which + "Images");
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException(
                $"{which} labels must be [{images.shape[0]}] (one per image) but have shape [{string.Join(", ", labels.shape)}].", which + "Labels");
    }
}
