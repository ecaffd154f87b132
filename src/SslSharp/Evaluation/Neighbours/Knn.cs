using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Neighbours;

/// <summary>
/// k-nearest-neighbour classification of frozen features against a labelled memory bank: the
/// standard label-cheap measure of an SSL representation.
/// </summary>
/// <remarks>
/// <para>For each query the <c>k</c> nearest bank rows vote for their labels; with
/// <see cref="KnnWeighting.Exponential"/> a neighbour at cosine similarity <c>s</c> votes with
/// weight <c>exp(s / T)</c>, T = 0.07, and the class with the largest summed weight is the
/// prediction (Wu et al. 2018, InstDisc <c>kNN</c>; Caron et al. 2021, DINO
/// <c>eval_knn.py knn_classifier</c>: one-hot labels times weights, summed per class). Several
/// <c>k</c> are answered from one top-<c>max k</c> search.</para>
/// <para>Queries are processed in chunks so that the similarity matrix <c>[chunk, bank]</c> never
/// exceeds <see cref="KnnOptions.MaxChunkElements"/>: a 10k x 60k matrix is never built at once.
/// Work runs on the device of the bank features. Ties between classes go to the smaller class
/// index. Votes are accumulated in float64.</para>
/// <para>With <see cref="KnnMetric.L2"/> the features are not normalised and neighbours are the
/// rows with the smallest Euclidean distance <c>d</c>; exponential weights are then
/// <c>exp(-(d - d_min) / T)</c> (shifting by the nearest distance <c>d_min</c> of the query does not
/// change the ranking and keeps the weights from underflowing).</para>
/// </remarks>
public static class Knn
{
    /// <summary>Classifies <paramref name="queryFeatures"/> and returns top-1 / top-5 accuracy per <c>k</c>.</summary>
    /// <param name="bankFeatures">Memory bank features <c>[M, D]</c> (any float type).</param>
    /// <param name="bankLabels">Bank labels <c>[M]</c>, integers in [0, C).</param>
    /// <param name="queryFeatures">Query features <c>[Q, D]</c>.</param>
    /// <param name="queryLabels">Query labels <c>[Q]</c>.</param>
    /// <param name="options">Settings; <see cref="KnnOptions.Default"/> when null.</param>
    /// <returns>Accuracies in [0, 1], one <see cref="KnnScore"/> per requested <c>k</c>.</returns>
    public static KnnResult Evaluate(Tensor bankFeatures, Tensor bankLabels, Tensor queryFeatures, Tensor queryLabels,
        KnnOptions? options = null)
    {
        options ??= KnnOptions.Default;
        Validate(bankFeatures, bankLabels, queryFeatures, options);
        CheckLabels(queryLabels, queryFeatures.shape[0], "queryLabels", "queryFeatures");
        int numClasses;
        using (var s = NewDisposeScope())
            numClasses = (int)Math.Max(bankLabels.max().item<long>(), queryLabels.max().item<long>()) + 1;

        var ks = options.Ks;
        var top1 = new long[ks.Count];
        var top5 = new long[ks.Count];
        using var labels = queryLabels.to(ScalarType.Int64, bankFeatures.device);
        Run(bankFeatures, bankLabels, queryFeatures, options, numClasses, (ki, start, ranked) =>
        {
            var y = labels.narrow(0, start, ranked.shape[0]);
            top1[ki] += ranked.select(1, 0).eq(y).sum().item<long>();
            top5[ki] += ranked.eq(y.unsqueeze(1)).any(1).sum().item<long>();
        });

        long q = queryFeatures.shape[0];
        var scores = ks.Select((k, i) => new KnnScore(k, (double)top1[i] / q, (double)top5[i] / q)).ToList();
        return new KnnResult(scores, (int)q, (int)bankFeatures.shape[0], options.Metric, options.Weighting,
            options.Temperature);
    }

    /// <summary>Predicts the classes of <paramref name="queryFeatures"/> for every requested <c>k</c>.</summary>
    /// <param name="bankFeatures">Memory bank features <c>[M, D]</c>.</param>
    /// <param name="bankLabels">Bank labels <c>[M]</c>, integers in [0, C).</param>
    /// <param name="queryFeatures">Query features <c>[Q, D]</c>.</param>
    /// <param name="options">Settings; <see cref="KnnOptions.Default"/> when null.</param>
    /// <param name="numClasses">Number of classes C; 0 takes the largest bank label plus one.</param>
    /// <returns>One <see cref="KnnPrediction"/> per requested <c>k</c>, in the order requested.</returns>
    public static IReadOnlyList<KnnPrediction> Predict(Tensor bankFeatures, Tensor bankLabels, Tensor queryFeatures,
        KnnOptions? options = null, int numClasses = 0)
    {
        options ??= KnnOptions.Default;
        Validate(bankFeatures, bankLabels, queryFeatures, options);
        if (numClasses < 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "numClasses must be positive (or 0 to infer it from the bank labels).");
        long maxLabel;
        using (var s = NewDisposeScope())
            maxLabel = bankLabels.max().item<long>();
        if (numClasses == 0) numClasses = (int)maxLabel + 1;
        else if (maxLabel >= numClasses)
            throw new ArgumentException($"bankLabels contains class {maxLabel} but numClasses is {numClasses}.", nameof(bankLabels));

        long q = queryFeatures.shape[0];
        var ranked = options.Ks.Select(_ => new long[q][]).ToArray();
        Run(bankFeatures, bankLabels, queryFeatures, options, numClasses, (ki, start, r) =>
        {
            using var cpu = r.cpu();
            var flat = cpu.data<long>().ToArray();
            int width = (int)r.shape[1];
            for (int i = 0; i < r.shape[0]; i++)
                ranked[ki][start + i] = new ArraySegment<long>(flat, i * width, width).Where(c => c >= 0).ToArray();
        });
        return options.Ks.Select((k, i) => new KnnPrediction(k, ranked[i])).ToList();
    }

    /// <summary>The query chunk size that <paramref name="options"/> gives for a bank of <paramref name="bankCount"/> rows.</summary>
    internal static int ChunkSize(KnnOptions options, long bankCount, long queryCount)
    {
        long chunk = options.QueryChunkSize > 0 ? options.QueryChunkSize : Math.Max(1, options.MaxChunkElements / Math.Max(1, bankCount));
        return (int)Math.Max(1, Math.Min(chunk, queryCount));
    }

    /// <summary>
    /// Runs the search chunk by chunk; for each chunk and each k calls
    /// <paramref name="onChunk"/>(k index, first query row, ranked classes <c>[chunk, min(5, C)]</c>, -1 = no vote).
    /// </summary>
    private static void Run(Tensor bankFeatures, Tensor bankLabels, Tensor queryFeatures, KnnOptions options, int numClasses,
        Action<int, long, Tensor> onChunk)
    {
        using var outer = NewDisposeScope();
        using var noGrad = no_grad();
        var device = bankFeatures.device;
        bool cosine = options.Metric == KnnMetric.Cosine;
        var bank = bankFeatures.to(ScalarType.Float32);
        if (cosine) bank = nn.functional.normalize(bank, p: 2, dim: 1);
        var bankT = bank.t();
        var bankSqNorm = cosine ? null : bank.pow(2).sum(1).unsqueeze(0);         // [1, M]
        var labels = bankLabels.to(ScalarType.Int64, device);
        int maxK = options.Ks.Max();
        int ranks = Math.Min(5, numClasses);
        long q = queryFeatures.shape[0];
        int chunk = ChunkSize(options, bank.shape[0], q);

        for (long start = 0; start < q; start += chunk)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(chunk, q - start);
            var query = queryFeatures.narrow(0, start, n).to(ScalarType.Float32, device);
            if (cosine) query = nn.functional.normalize(query, p: 2, dim: 1);
            // score: larger is nearer. Cosine: similarity; L2: 2 q.b - |b|^2 = |q|^2 - d^2.
            var score = cosine ? query.mm(bankT) : query.mm(bankT).mul_(2).sub_(bankSqNorm!);
            var (topScore, topIndex) = score.topk(maxK, dim: 1, largest: true, sorted: true);   // [n, maxK]
            score.Dispose();
            var neighbourLabels = labels.index_select(0, topIndex.flatten()).view(n, maxK);
            var top = topScore.to(ScalarType.Float64);
            Tensor weights;
            if (options.Weighting == KnnWeighting.Uniform)
                weights = ones_like(top);
            else if (cosine)
                weights = top.div(options.Temperature).exp_();
            else
            {
                var qSqNorm = query.to(ScalarType.Float64).pow(2).sum(1, keepdim: true);
                var distance = qSqNorm.sub(top).clamp_min_(0).sqrt_();                        // [n, maxK], ascending
                weights = distance.sub(distance.narrow(1, 0, 1)).neg_().div_(options.Temperature).exp_();
            }

            for (int ki = 0; ki < options.Ks.Count; ki++)
            {
                using var kScope = NewDisposeScope();
                int k = options.Ks[ki];
                var lab = neighbourLabels.narrow(1, 0, k);
                var votes = zeros(n, numClasses, ScalarType.Float64, device).scatter_add_(1, lab, weights.narrow(1, 0, k));
                var counts = zeros(n, numClasses, ScalarType.Float64, device).scatter_add_(1, lab, ones_like(weights.narrow(1, 0, k)));
                votes.masked_fill_(counts.eq(0), double.NegativeInfinity);
                var ranked = empty(n, ranks, ScalarType.Int64, device);
                for (int r = 0; r < ranks; r++)
                {
                    var best = votes.argmax(1, keepdim: true);                                   // first max: smaller class wins ties
                    var value = votes.gather(1, best);
                    ranked.narrow(1, r, 1).copy_(best.masked_fill(value.eq(double.NegativeInfinity), -1));
                    votes.scatter_(1, best, value.fill_(double.NegativeInfinity));
                }
                onChunk(ki, start, ranked);
            }
        }
    }

    private static void Validate(Tensor bankFeatures, Tensor bankLabels, Tensor queryFeatures, KnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(bankFeatures);
        ArgumentNullException.ThrowIfNull(bankLabels);
        ArgumentNullException.ThrowIfNull(queryFeatures);
        ArgumentNullException.ThrowIfNull(options);
        CheckFeatures(bankFeatures, "bankFeatures", "[M, D]");
        CheckFeatures(queryFeatures, "queryFeatures", "[Q, D]");
        if (bankFeatures.shape[1] != queryFeatures.shape[1])
            throw new ArgumentException(
                $"bankFeatures and queryFeatures must have the same feature width D, but got {bankFeatures.shape[1]} and {queryFeatures.shape[1]}. " +
                "Extract both with the same encoder.", nameof(queryFeatures));
        CheckLabels(bankLabels, bankFeatures.shape[0], "bankLabels", "bankFeatures");
        if (options.Ks is null || options.Ks.Count == 0)
            throw new ArgumentException("KnnOptions.Ks is empty: give at least one neighbourhood size k (e.g. 20).", nameof(options));
        foreach (var k in options.Ks)
        {
            if (k < 1)
                throw new ArgumentException($"kNN needs k >= 1 but KnnOptions.Ks contains {k}.", nameof(options));
            if (k > bankFeatures.shape[0])
                throw new ArgumentException(
                    $"k = {k} is larger than the memory bank ({bankFeatures.shape[0]} rows). Use a smaller k or a larger bank.", nameof(options));
        }
        if (options.Ks.Distinct().Count() != options.Ks.Count)
            throw new ArgumentException($"KnnOptions.Ks lists a k twice: {string.Join(", ", options.Ks)}.", nameof(options));
        if (!(options.Temperature > 0) || double.IsInfinity(options.Temperature))
            throw new ArgumentException($"KnnOptions.Temperature must be a positive finite number but is {options.Temperature}.", nameof(options));
        if (options.QueryChunkSize < 0)
            throw new ArgumentException($"KnnOptions.QueryChunkSize must be >= 0 (0 = automatic) but is {options.QueryChunkSize}.", nameof(options));
        if (options.MaxChunkElements < 1)
            throw new ArgumentException($"KnnOptions.MaxChunkElements must be positive but is {options.MaxChunkElements}.", nameof(options));
    }

    private static void CheckFeatures(Tensor features, string name, string shape)
    {
        if (features.dim() != 2)
            throw new ArgumentException($"{name} must be {shape} but has shape [{string.Join(", ", features.shape)}]. Flatten images first.", name);
        if (features.shape[0] == 0)
            throw new ArgumentException($"{name} is empty (0 rows).", name);
        if (!features.is_floating_point())
            throw new ArgumentException($"{name} must be a floating-point tensor but is {features.dtype}. Convert it with .to(float32).", name);
        using var scope = NewDisposeScope();
        if (!features.isfinite().all().item<bool>())
            throw new ArgumentException($"{name} contains NaN or infinite values; the encoder has probably diverged.", name);
    }

    private static void CheckLabels(Tensor labels, long rows, string name, string featuresName)
    {
        ArgumentNullException.ThrowIfNull(labels, name);
        if (labels.dim() != 1 || labels.shape[0] != rows)
            throw new ArgumentException(
                $"{name} must be [{rows}] (one label per row of {featuresName}) but has shape [{string.Join(", ", labels.shape)}].", name);
        if (labels.is_floating_point() || labels.dtype == ScalarType.Bool || labels.is_complex())
            throw new ArgumentException($"{name} must hold integer class indices but is {labels.dtype}.", name);
        using var scope = NewDisposeScope();
        if (labels.min().item<long>() < 0)
            throw new ArgumentException($"{name} contains a negative class index; labels must be in [0, C).", name);
    }
}
