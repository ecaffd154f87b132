using SslSharp.Augment;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Training;
using SslSharp.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Probes;

/// <summary>
/// Offline linear evaluation: features of a frozen encoder are computed once (eval mode, no
/// gradient), then a <see cref="LinearClassifier"/> (BatchNorm1d(affine=False) + Linear) is trained on
/// them with cross-entropy and scored on the test features.
/// </summary>
/// <remarks>
/// <para>The standard protocol of SSL papers (Zhang et al. 2016 / Kolesnikov et al. 2019; MoCo v3
/// <c>main_lincls.py</c>, MAE <c>main_linprobe.py</c>, DINO <c>eval_linear.py</c>; docs/evaluation.md#linear-probe),
/// with the features cached instead of recomputed every epoch, so there is no augmentation: the
/// probe measures what is linearly readable from the representation as it is.</para>
/// <para>Each step takes a mini-batch of rows in a seeded per-epoch order
/// (<see cref="SplitMix64.Permutation"/>), sets the learning rate from
/// <see cref="Schedules.WarmupCosine"/> (per step, to 0), and steps the shared <see cref="Sgd"/> or
/// <see cref="Lars"/> optimizer over <see cref="ParameterGroups.SplitDecay"/> (weight decay and LARS
/// adaptation on the weight only). A trailing batch of a single row is skipped (BatchNorm cannot
/// normalise one row); all other rows are used every epoch.</para>
/// </remarks>
public static class LinearProbe
{
    private const long ShuffleStream = 0x4C50; // "LP": keeps the probe's shuffles apart from other seeded streams

    /// <summary>
    /// Extracts features of the training and test images with <paramref name="encoder"/> and runs
    /// <see cref="Evaluate(Tensor, Tensor, Tensor, Tensor, LinearProbeOptions?, Action{long, long}?)"/>.
    /// </summary>
    /// <param name="encoder">Maps images <c>[B, C, H, W]</c> to features <c>[B, D]</c>; not changed.</param>
    /// <param name="trainImages">Training images <c>[N, C, H, W]</c>, uint8 or float in [0, 1].</param>
    /// <param name="trainLabels">Training labels <c>[N]</c>.</param>
    /// <param name="testImages">Test images <c>[M, C, H, W]</c>.</param>
    /// <param name="testLabels">Test labels <c>[M]</c>.</param>
    /// <param name="evalTransform">Deterministic eval preprocessing (normalisation) of float batches in [0, 1]; null for none.</param>
    /// <param name="options">Settings; <see cref="LinearProbeOptions.Default"/> when null.</param>
    /// <param name="progress">Reports (work done, total) over extraction (one unit per image) and training (one per step).</param>
    public static LinearProbeResult Evaluate(nn.Module<Tensor, Tensor> encoder, Tensor trainImages, Tensor trainLabels,
        Tensor testImages, Tensor testLabels, IBatchTransform? evalTransform, LinearProbeOptions? options = null,
        Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(trainImages);
        ArgumentNullException.ThrowIfNull(testImages);
        options ??= LinearProbeOptions.Default;
        options.Validate();
        using var scope = NewDisposeScope();
        long nTrain = trainImages.shape[0], nTest = testImages.shape[0];
        long steps = StepsPerEpoch(nTrain, options.BatchSize) * options.Epochs;
        long total = nTrain + nTest + steps;
        using var generator = new Generator((ulong)options.Seed);
        Func<Tensor, Tensor>? preprocess = evalTransform is null ? null : b => evalTransform.Apply(b, generator);
        var trainFeatures = FeatureExtractor.Extract(encoder, trainImages, preprocess, options.EvalBatchSize, options.Device,
            progress is null ? null : (d, _) => progress(d, total));
        var testFeatures = FeatureExtractor.Extract(encoder, testImages, preprocess, options.EvalBatchSize, options.Device,
            progress is null ? null : (d, _) => progress(nTrain + d, total));
        return Evaluate(trainFeatures, trainLabels, testFeatures, testLabels, options,
            progress is null ? null : (d, _) => progress(nTrain + nTest + d, total));
    }

    /// <summary>Trains a linear classifier on cached features and scores it on the test features.</summary>
    /// <param name="trainFeatures">Training features <c>[N, D]</c> (float).</param>
    /// <param name="trainLabels">Training labels <c>[N]</c>, integers in [0, C).</param>
    /// <param name="testFeatures">Test features <c>[M, D]</c>.</param>
    /// <param name="testLabels">Test labels <c>[M]</c>.</param>
    /// <param name="options">Settings; <see cref="LinearProbeOptions.Default"/> when null.</param>
    /// <param name="progress">Reports (steps done, total steps).</param>
    /// <returns>Test top-1 / top-5, train top-1 and the per-epoch losses.</returns>
    /// <exception cref="ArgumentException">Shapes do not match, features are not finite, or an option is invalid.</exception>
    public static LinearProbeResult Evaluate(Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, Tensor testLabels,
        LinearProbeOptions? options = null, Action<long, long>? progress = null)
    {
        options ??= LinearProbeOptions.Default;
        options.Validate();
        CheckSet(trainFeatures, trainLabels, "train");
        CheckSet(testFeatures, testLabels, "test");
        if (trainFeatures.shape[1] != testFeatures.shape[1])
            throw new ArgumentException(
                $"Train and test features differ in width ({trainFeatures.shape[1]} and {testFeatures.shape[1]}); extract both with the same encoder.",
                nameof(testFeatures));
        int numClasses;
        using (var s = NewDisposeScope())
            numClasses = (int)Math.Max(trainLabels.max().item<long>(), testLabels.max().item<long>()) + 1;
        numClasses = Math.Max(numClasses, 2);

        var device = options.Device ?? trainFeatures.device;
        using var head = new LinearClassifier((int)trainFeatures.shape[1], numClasses, options.BatchNorm, options.Seed);
        head.to(device);
        var losses = Train(head, trainFeatures, trainLabels, options, progress);
        var (trainTop1, _) = TopKAccuracy.Evaluate(head, trainFeatures, trainLabels, options.EvalBatchSize, device);
        var (top1, top5) = TopKAccuracy.Evaluate(head, testFeatures, testLabels, options.EvalBatchSize, device);
        return new LinearProbeResult(top1, top5, trainTop1, losses, (int)trainFeatures.shape[1], numClasses,
            (int)trainFeatures.shape[0], (int)testFeatures.shape[0], StepsPerEpoch(trainFeatures.shape[0], options.BatchSize) * options.Epochs,
            options);
    }

    /// <summary>
    /// Trains <paramref name="head"/> in place on <paramref name="features"/> (the training loop of
    /// <see cref="Evaluate(Tensor, Tensor, Tensor, Tensor, LinearProbeOptions?, Action{long, long}?)"/>,
    /// exposed so a given initialisation can be checked against a reference).
    /// </summary>
    /// <param name="head">The classifier to train; its device is used.</param>
    /// <param name="features">Features <c>[N, D]</c>.</param>
    /// <param name="labels">Labels <c>[N]</c>.</param>
    /// <param name="options">Settings (the head-shape settings <c>BatchNorm</c> and <c>Seed</c> of the head are not used here; <c>Seed</c> drives the shuffles).</param>
    /// <param name="progress">Reports (steps done, total steps).</param>
    /// <returns>The mean loss of every epoch.</returns>
    public static IReadOnlyList<double> Train(LinearClassifier head, Tensor features, Tensor labels, LinearProbeOptions options,
        Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckSet(features, labels, "train");
        if (features.shape[1] != head.InputDim)
            throw new ArgumentException($"The head expects {head.InputDim} features but the rows have {features.shape[1]}.", nameof(features));
        long n = features.shape[0];
        long perEpoch = StepsPerEpoch(n, options.BatchSize);
        if (perEpoch < 1)
            throw new ArgumentException($"The linear probe needs at least 2 training rows, got {n}.", nameof(features));
        long totalSteps = perEpoch * options.Epochs;
        long warmup = Math.Min(totalSteps - 1, (long)Math.Round(options.WarmupEpochs * perEpoch));
        double peak = Schedules.ScaleLr(options.LearningRate, options.BatchSize, LrScaling.Linear);
        var device = head.parameters().First().device;

        var groups = ParameterGroups.SplitDecay(head);
        using SslOptimizer optimizer = options.Optimizer == "lars"
            ? new Lars(groups, peak, options.Momentum, options.WeightDecay, options.LarsEta)
            : new Sgd(groups, peak, options.Momentum, options.WeightDecay);

        using var cache = NewDisposeScope();
        var x = features.to(ScalarType.Float32, device).detach();
        var y = labels.to(ScalarType.Int64, device);
        var losses = new List<double>(options.Epochs);
        var modes = FeatureExtractor.RecordModes(head);
        head.train();
        long step = 0;
        try
        {
            for (int epoch = 0; epoch < options.Epochs; epoch++)
            {
                long[] order = options.Shuffle ? SplitMix64.Permutation(n, SplitMix64.Mix(options.Seed, ShuffleStream, epoch)) : Identity(n);
                using var orderTensor = tensor(order, ScalarType.Int64).to(device);
                double sum = 0;
                for (long b = 0; b < perEpoch; b++, step++)
                {
                    using var scope = NewDisposeScope();
                    long start = b * options.BatchSize;
                    long count = Math.Min(options.BatchSize, n - start);
                    var index = orderTensor.narrow(0, start, count);
                    var logits = head.call(x.index_select(0, index));
                    var loss = nn.functional.cross_entropy(logits, y.index_select(0, index));
                    double lr = Schedules.WarmupCosine(step, warmup, totalSteps, peak);
                    for (int g = 0; g < groups.Count; g++) optimizer.SetLearningRate(g, lr);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    sum += loss.item<float>();
                    progress?.Invoke(step + 1, totalSteps);
                }
                losses.Add(sum / perEpoch);
            }
            optimizer.ZeroGrad();
        }
        finally
        {
            FeatureExtractor.RestoreModes(head, modes);
        }
        return losses;
    }

    /// <summary>Optimizer steps per epoch for <paramref name="rows"/> rows: all full batches plus a trailing batch of at least 2 rows.</summary>
    public static long StepsPerEpoch(long rows, int batchSize)
    {
        long full = rows / batchSize, rest = rows % batchSize;
        return full + (rest >= 2 ? 1 : 0);
    }

    private static long[] Identity(long n)
    {
        var order = new long[n];
        for (long i = 0; i < n; i++) order[i] = i;
        return order;
    }

    private static void CheckSet(Tensor features, Tensor labels, string which)
    {
        ArgumentNullException.ThrowIfNull(features, which + "Features");
        ArgumentNullException.ThrowIfNull(labels, which + "Labels");
        if (features.dim() != 2 || features.shape[0] == 0)
            throw new ArgumentException($"{which} features must be a non-empty [N, D] tensor but have shape [{string.Join(", ", features.shape)}].", which + "Features");
        if (!features.is_floating_point())
            throw new ArgumentException($"{which} features must be floating point but are {features.dtype}.", which + "Features");
        if (labels.dim() != 1 || labels.shape[0] != features.shape[0])
            throw new ArgumentException(
                $"{which} labels must be [{features.shape[0]}] (one per feature row) but have shape [{string.Join(", ", labels.shape)}].", which + "Labels");
        using var scope = NewDisposeScope();
        if (!features.isfinite().all().item<bool>())
            throw new ArgumentException($"{which} features contain NaN or infinite values; the encoder has probably diverged.", which + "Features");
        if (labels.min().item<long>() < 0)
            throw new ArgumentException($"{which} labels must be class indices >= 0.", which + "Labels");
    }
}
