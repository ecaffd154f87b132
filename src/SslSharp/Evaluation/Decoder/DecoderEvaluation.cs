using System.Diagnostics;
using SslSharp.Augment;
using SslSharp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Decoder;

/// <summary>
/// Visual evaluation of a representation: a small decoder (<see cref="DecoderNetwork"/>) is trained
/// on the FROZEN features of an encoder to reconstruct the (normalised) pixels, and scored by its
/// held-out mean squared error against the trivial baseline of predicting the mean training image.
/// </summary>
/// <remarks>
/// <para>Cookbook of Self-Supervised Learning (Balestriero et al., 2023), section 4 "evaluating
/// the learned representation": training a decoder on top of the frozen representation shows what
/// information it kept (Bordes et al., 2022, RCDM; here a deterministic MSE decoder, not a
/// diffusion model). The reconstructions of held-out images are saved as a grid.</para>
/// <para>The encoder is never trained: its features are computed once by
/// <see cref="FeatureExtractor"/> (eval mode, <c>torch.no_grad()</c>), so no gradient can reach
/// it, and its train/eval flags are restored. The decoder is trained with Adam on the cached
/// features; every random draw (training subset, shuffling, initialisation) comes from
/// <see cref="DecoderOptions.Seed"/>.</para>
/// </remarks>
public static class DecoderEvaluation
{
    /// <summary>Progress phase name while features are extracted.</summary>
    public const string FeaturesPhase = "features";

    /// <summary>Progress phase name while the decoder trains.</summary>
    public const string TrainingPhase = "training";

    /// <summary>Trains a decoder on the frozen features of <paramref name="encoder"/> and scores it.</summary>
    /// <param name="encoder">Maps normalised images <c>[B, C, H, W]</c> to features <c>[B, D]</c> (a backbone).</param>
    /// <param name="trainImages">Training images <c>[N, C, H, W]</c>, uint8 or float in [0, 1].</param>
    /// <param name="testImages">Held-out images <c>[M, C, H, W]</c>, same channels and size.</param>
    /// <param name="mean">Per-channel mean of the normalisation the encoder expects (also the target space).</param>
    /// <param name="std">Per-channel standard deviation of that normalisation.</param>
    /// <param name="options">Settings (null: <see cref="DecoderOptions.Default"/>).</param>
    /// <param name="device">Where encoder and decoder run; null: the encoder's device.</param>
    /// <param name="progress">Called with (phase, done, total): <see cref="FeaturesPhase"/> counts images,
    /// <see cref="TrainingPhase"/> counts decoder steps.</param>
    /// <exception cref="ArgumentException">Shapes, dtypes or the normalisation do not fit together.</exception>
    public static DecoderResult Run(nn.Module<Tensor, Tensor> encoder, Tensor trainImages, Tensor testImages,
        IReadOnlyList<float> mean, IReadOnlyList<float> std, DecoderOptions? options = null, Device? device = null,
        Action<string, long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(trainImages);
        ArgumentNullException.ThrowIfNull(testImages);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        options ??= DecoderOptions.Default;
        options.Validate();
        CheckImages(trainImages, nameof(trainImages));
        CheckImages(testImages, nameof(testImages));
        if (!trainImages.shape.Skip(1).SequenceEqual(testImages.shape.Skip(1)))
            throw new ArgumentException(
                $"Training images [{string.Join(", ", trainImages.shape)}] and held-out images [{string.Join(", ", testImages.shape)}] " +
                "must share channels, height and width.", nameof(testImages));
        int channels = (int)trainImages.shape[1], height = (int)trainImages.shape[2], width = (int)trainImages.shape[3];
        if (mean.Count != channels || std.Count != channels)
            throw new ArgumentException($"mean and std need {channels} value(s) (one per channel), got {mean.Count} and {std.Count}.", nameof(mean));
        device ??= encoder.parameters().FirstOrDefault()?.device ?? CPU;

        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)options.Seed);
        var normalize = new Normalize(mean, std);

        long trainCount = Math.Min(trainImages.shape[0], options.MaxTrainImages);
        var train = trainCount == trainImages.shape[0]
            ? trainImages
            : trainImages.index_select(0, randperm(trainImages.shape[0], generator: generator).narrow(0, 0, trainCount).sort().Values);
        long testCount = Math.Min(testImages.shape[0], options.MaxTestImages);
        var test = testImages.narrow(0, 0, testCount);

        Tensor Normalised(Tensor batch) => normalize.Apply(batch, generator);
        long extractTotal = trainCount + testCount;
        var trainFeatures = FeatureExtractor.Extract(encoder, train, Normalised, options.ExtractBatchSize, device,
            (done, _) => progress?.Invoke(FeaturesPhase, done, extractTotal));
        var testFeatures = FeatureExtractor.Extract(encoder, test, Normalised, options.ExtractBatchSize, device,
            (done, _) => progress?.Invoke(FeaturesPhase, trainCount + done, extractTotal));
        var trainTargets = Targets(train, normalize, generator, options.ExtractBatchSize);
        var testTargets = Targets(test, normalize, generator, options.ExtractBatchSize);
        int featureDim = (int)trainFeatures.shape[1];

        double baseline;
        using (no_grad())
        {
            var meanImage = trainTargets.mean(new long[] { 0 }, keepdim: true);
            baseline = testTargets.sub(meanImage).square().mean().item<float>();
        }

        using var decoder = new DecoderNetwork(featureDim, channels, height, width, options.BaseChannels, options.Seed);
        decoder.to(device);
        using var optimizer = optim.Adam(decoder.parameters(), options.LearningRate);
        var trainMse = new List<double>(options.Epochs);
        var testMse = new List<double>(options.Epochs);
        long stepsPerEpoch = (trainCount + options.BatchSize - 1) / options.BatchSize, step = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            decoder.train();
            using var order = randperm(trainCount, generator: generator);
            double sum = 0;
            for (long start = 0; start < trainCount; start += options.BatchSize)
            {
                using var stepScope = NewDisposeScope();
                long count = Math.Min(options.BatchSize, trainCount - start);
                var idx = order.narrow(0, start, count);
                var x = trainFeatures.index_select(0, idx).to(device);
                var y = trainTargets.index_select(0, idx).to(device);
                var loss = nn.functional.mse_loss(decoder.call(x), y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                sum += loss.item<float>() * count;
                progress?.Invoke(TrainingPhase, ++step, stepsPerEpoch * options.Epochs);
            }
            trainMse.Add(sum / trainCount);
            testMse.Add(Score(decoder, testFeatures, testTargets, options.BatchSize, device));
        }

        var samples = Samples(decoder, testFeatures, testTargets, Math.Min(options.GridImages, (int)testCount), mean, std, device);
        return new DecoderResult(testMse[^1], baseline, trainMse, testMse, trainCount, testCount, featureDim, samples, clock.Elapsed);
    }

    /// <summary>Normalised float pixels <c>[N, C, H, W]</c> on the CPU: the decoder's targets.</summary>
    private static Tensor Targets(Tensor images, Normalize normalize, Generator generator, int batchSize)
    {
        using var noGrad = no_grad();
        var parts = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += batchSize)
        {
            long count = Math.Min(batchSize, images.shape[0] - start);
            var batch = images.narrow(0, start, count);
            batch = batch.dtype == ScalarType.Byte ? batch.to(ScalarType.Float32).div_(255) : batch.to(ScalarType.Float32);
            parts.Add(normalize.Apply(batch, generator).cpu());
        }
        return parts.Count == 1 ? parts[0] : cat(parts, 0);
    }

    /// <summary>Mean squared error of the decoder (eval mode) over all of <paramref name="targets"/>.</summary>
    private static double Score(DecoderNetwork decoder, Tensor features, Tensor targets, int batchSize, Device device)
    {
        decoder.eval();
        using var noGrad = no_grad();
        double sum = 0;
        long n = features.shape[0];
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(batchSize, n - start);
            var pred = decoder.call(features.narrow(0, start, count).to(device));
            sum += nn.functional.mse_loss(pred, targets.narrow(0, start, count).to(device), nn.Reduction.Sum).item<float>();
        }
        return sum / targets.numel();
    }

    /// <summary>The first <paramref name="count"/> held-out images and their reconstructions, de-normalised to [0, 1].</summary>
    private static DecoderSamples Samples(DecoderNetwork decoder, Tensor features, Tensor targets, int count,
        IReadOnlyList<float> mean, IReadOnlyList<float> std, Device device)
    {
        decoder.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return DecoderSamples.FromNormalised(targets.narrow(0, 0, count), decoder.call(features.narrow(0, 0, count).to(device)).cpu(), mean, std);
    }

    private static void CheckImages(Tensor images, string name)
    {
        if (images.dim() != 4)
            throw new ArgumentException($"{name} must be [N, C, H, W] but has shape [{string.Join(", ", images.shape)}].", name);
        if (images.shape[0] == 0)
            throw new ArgumentException($"{name} is empty (0 images): the decoder needs images to train on and to score.", name);
        if (images.dtype != ScalarType.Byte && !images.is_floating_point())
            throw new ArgumentException($"{name} must be uint8 (0..255) or float in [0, 1] but are {images.dtype}.", name);
    }
}
