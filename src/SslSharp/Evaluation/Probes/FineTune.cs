using SslSharp.Augment;
using SslSharp.Augment.Presets;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Training;
using SslSharp.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Probes;

/// <summary>
/// Full fine-tuning: the backbone plus a linear head trained end to end with labels (cross-entropy,
/// SGD or AdamW, cosine per step, random-resized-crop + flip augmentation), scored on the test images.
/// The backbone's weights change in place.
/// </summary>
/// <remarks>
/// <para>The fine-tuning protocol of SSL papers (SimCLR section B.5, MoCo v3 / MAE
/// <c>main_finetune.py</c>; docs/evaluation.md#fine-tuning) in its simplest form: one optimizer over backbone
/// and head, an lr multiplier for the backbone, and a hook for layer-wise lr decay
/// (<see cref="FineTuneOptions.ParameterGroups"/>; not needed for ConvNets and ResNets).</para>
/// <para>Each epoch visits the images in a seeded order (<see cref="SplitMix64.Permutation"/>); each
/// batch's augmentation draws from a generator seeded by (seed, epoch, batch), so a run is
/// reproducible. A trailing batch of one image is skipped (BatchNorm). Test accuracy uses the eval
/// transform and eval mode (BatchNorm running statistics).</para>
/// </remarks>
public static class FineTune
{
    private const long ShuffleStream = 0x4654, AugmentStream = 0x4641; // "FT", "FA"

    /// <summary>
    /// The fine-tuning augmentation: uint8 (or float) images to float / 255, random resized crop to
    /// <paramref name="imageSize"/> with area fraction in [<paramref name="minScale"/>, 1] and a
    /// horizontal flip with p = 0.5, then normalisation (torchvision's supervised training recipe).
    /// </summary>
    /// <param name="imageSize">Output side in pixels.</param>
    /// <param name="mean">Per-channel mean.</param>
    /// <param name="std">Per-channel standard deviation.</param>
    /// <param name="minScale">Smallest crop area fraction (default <see cref="SimCLRAugment.DefaultMinScale"/>: 0.2 under 32 px, else 0.08).</param>
    public static IBatchTransform TrainTransform(int imageSize, IReadOnlyList<float> mean, IReadOnlyList<float> std, double? minScale = null) =>
        new Compose(new ToFloatImage(),
            new RandomResizedCrop(imageSize, scale: (minScale ?? SimCLRAugment.DefaultMinScale(imageSize), 1.0), horizontalFlip: 0.5),
            new Normalize(mean, std));

    /// <summary>Fine-tunes <paramref name="backbone"/> with a new linear head and scores it on the test set.</summary>
    /// <param name="backbone">The pretrained backbone; trained in place (pass a copy to keep the original).</param>
    /// <param name="trainImages">Training images <c>[N, C, H, W]</c>, uint8 or float in [0, 1], on any device.</param>
    /// <param name="trainLabels">Training labels <c>[N]</c>.</param>
    /// <param name="testImages">Test images <c>[M, C, H, W]</c>.</param>
    /// <param name="testLabels">Test labels <c>[M]</c>.</param>
    /// <param name="trainTransform">Augmentation of each training batch (e.g. <see cref="TrainTransform"/>); receives the raw batch.</param>
    /// <param name="evalTransform">Deterministic eval preprocessing of float test batches in [0, 1]; null for none.</param>
    /// <param name="options">Settings; <see cref="FineTuneOptions.Default"/> when null.</param>
    /// <param name="progress">Reports (steps done, total steps), then (total, total) after testing.</param>
    /// <exception cref="ArgumentException">Bad shapes or settings.</exception>
    public static FineTuneResult Run(Backbone backbone, Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels,
        IBatchTransform trainTransform, IBatchTransform? evalTransform, FineTuneOptions? options = null, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(trainTransform);
        options ??= FineTuneOptions.Default;
        options.Validate();
        CheckSet(trainImages, trainLabels, "train");
        CheckSet(testImages, testLabels, "test");
        int numClasses;
        using (var s = NewDisposeScope())
            numClasses = Math.Max(2, (int)Math.Max(trainLabels.max().item<long>(), testLabels.max().item<long>()) + 1);

        var device = options.Device ?? backbone.parameters().FirstOrDefault()?.device ?? CPU;
        backbone.to(device);
        using var head = new LinearClassifier(backbone.FeatureDim, numClasses, batchNorm: false, options.Seed);
        head.to(device);
        var groups = options.ParameterGroups?.Invoke(backbone, head)
                     ?? (options.LayerDecay is { } decay ? ParameterGroups.LayerDecay(backbone, decay, "backbone.") : ParameterGroups.SplitDecay(backbone, "backbone."))
                         .Select(g => g with { LrScale = g.LrScale * options.BackboneLrScale })
                         .Concat(ParameterGroups.SplitDecay(head, "head.")).ToList();
        double peak = Schedules.ScaleLr(options.LearningRate, options.BatchSize, LrScaling.Linear);
        using SslOptimizer optimizer = options.Optimizer == OptimizerKind.AdamW
            ? new AdamWOptimizer(groups, peak, weightDecay: options.WeightDecay)
            : new Sgd(groups, peak, options.Momentum, options.WeightDecay);

        long n = trainImages.shape[0];
        long perEpoch = LinearProbe.StepsPerEpoch(n, options.BatchSize);
        if (perEpoch < 1) throw new ArgumentException($"Fine-tuning needs at least 2 training images, got {n}.", nameof(trainImages));
        long totalSteps = perEpoch * options.Epochs;
        long warmup = Math.Min(totalSteps - 1, (long)Math.Round(options.WarmupEpochs * perEpoch));
        var losses = new List<double>(options.Epochs);
        double trainTop1 = 0;
        long step = 0;
        var modes = FeatureExtractor.RecordModes(backbone);
        var stepSeeded = backbone.named_modules().Select(m => m.module).Prepend(backbone).OfType<IStepSeeded>().ToArray();
        try
        {
            backbone.train();
            head.train();
            for (int epoch = 0; epoch < options.Epochs; epoch++)
            {
                var order = SplitMix64.Permutation(n, SplitMix64.Mix(options.Seed, ShuffleStream, epoch));
                double lossSum = 0;
                long correct = 0, seen = 0;
                for (long b = 0; b < perEpoch; b++, step++)
                {
                    using var scope = NewDisposeScope();
                    long start = b * options.BatchSize, count = Math.Min(options.BatchSize, n - start);
                    var index = tensor(order.AsSpan((int)start, (int)count).ToArray(), ScalarType.Int64).to(trainImages.device);
                    using var generator = new Generator(SplitMix64.Mix(options.Seed, AugmentStream, epoch, b));
                    var x = trainTransform.Apply(trainImages.index_select(0, index), generator).to(device);
                    var y = trainLabels.index_select(0, index.to(trainLabels.device)).to(ScalarType.Int64, device);
                    foreach (var seeded in stepSeeded) seeded.Reseed(step);
                    var logits = head.call(backbone.call(x));
                    var loss = nn.functional.cross_entropy(logits, y);
                    double lr = Schedules.WarmupCosine(step, warmup, totalSteps, peak);
                    for (int g = 0; g < groups.Count; g++) optimizer.SetLearningRate(g, lr * groups[g].LrScale);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    double value = loss.item<float>();
                    if (!double.IsFinite(value))
                        throw new InvalidOperationException($"Fine-tuning diverged at step {step} (loss {value}). Lower the learning rate.");
                    lossSum += value;
                    correct += TopKAccuracy.Correct(logits.detach(), y, 1);
                    seen += count;
                    progress?.Invoke(step + 1, totalSteps);
                }
                losses.Add(lossSum / perEpoch);
                trainTop1 = (double)correct / seen;
            }
            optimizer.ZeroGrad();
        }
        finally
        {
            FeatureExtractor.RestoreModes(backbone, modes);
        }

        using var testScope = NewDisposeScope();
        using var evalGenerator = new Generator((ulong)options.Seed);
        var features = FeatureExtractor.Extract(backbone, testImages, evalTransform is null ? null : t => evalTransform.Apply(t, evalGenerator),
            options.EvalBatchSize, device);
        var (top1, top5) = TopKAccuracy.Evaluate(head, features, testLabels, options.EvalBatchSize, device);
        progress?.Invoke(totalSteps, totalSteps);
        return new FineTuneResult(top1, top5, trainTop1, losses, numClasses, (int)n, (int)testImages.shape[0], totalSteps, options);
    }

    private static void CheckSet(Tensor images, Tensor labels, string which)
    {
        ArgumentNullException.ThrowIfNull(images, which + "Images");
        ArgumentNullException.ThrowIfNull(labels, which + "Labels");
        if (images.dim() != 4 || images.shape[0] == 0)
            throw new ArgumentException($"{which} images must be a non-empty [N, C, H, W] tensor but have shape [{string.Join(", ", images.shape)}].", which + "Images");
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException(
                $"{which} labels must be [{images.shape[0]}] (one per image) but have shape [{string.Join(", ", labels.shape)}].", which + "Labels");
    }
}
