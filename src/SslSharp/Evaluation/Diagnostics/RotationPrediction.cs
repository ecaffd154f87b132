using TorchSharp;
using SslSharp.Data;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Diagnostics;

/// <summary>
/// Rotation-prediction score, a label-free probe of frozen features: each image is rotated by 0, 90,
/// 180 and 270 degrees, the encoder's features of the rotated images are extracted, and a linear
/// 4-way head (softmax regression) trained on the features of some images predicts the rotation of
/// the others.
/// </summary>
/// <remarks>
/// <para>The pretext task of Gidaris, Singh, Komodakis, "Unsupervised Representation Learning by
/// Predicting Image Rotations" (ICLR 2018), used here as an evaluation of frozen features (the
/// cookbook, Balestriero et al. 2023, section on label-free evaluation; Deng et al., "What does
/// rotation prediction tell us about classifier accuracy under varying testing environments?", ICML
/// 2021). Features that keep the image's orientation score high; features that discard it (strong
/// rotation invariance, or collapse) score at chance, 0.25.</para>
/// <para>Protocol: images are split into train and held-out images (seeded), so a held-out image is
/// seen in none of its rotations during training and the held-out set is exactly balanced.
/// Features are standardised with the training mean and std. The head starts at zero and is trained
/// full-batch with Adam (lr 0.05, betas 0.9/0.999) on the softmax cross-entropy plus an L2 penalty
/// 1e-4 for <see cref="Steps"/> steps: no random draw besides the split. Constant features give a
/// constant prediction: exactly 0.25.</para>
/// </remarks>
public static class RotationPrediction
{
    /// <summary>Full-batch optimisation steps of the head.</summary>
    public const int Steps = 300;

    private const double LearningRate = 0.05, Beta1 = 0.9, Beta2 = 0.999, AdamEps = 1e-8, L2 = 1e-4;

    /// <summary>Trains the rotation head on frozen features of <paramref name="images"/> and reports its held-out accuracy.</summary>
    /// <param name="encoder">Maps images <c>[B, C, S, S]</c> to features <c>[B, D]</c>; run in eval mode, modes restored.</param>
    /// <param name="images">Square images <c>[N, C, S, S]</c>, uint8 or float in [0, 1], <c>N &gt;= 4</c>.</param>
    /// <param name="preprocess">Eval preprocessing of float batches in [0, 1] (applied after rotating), or null.</param>
    /// <param name="testFraction">Fraction of the images held out (default 0.5).</param>
    /// <param name="seed">Seed of the train/held-out split.</param>
    /// <param name="batchSize">Images per forward pass of the feature extraction.</param>
    /// <param name="device">Where the encoder runs; null uses its device.</param>
    /// <param name="progress">Called with (images done, 4 N) during extraction, or null.</param>
    /// <exception cref="ArgumentException">Images are not square <c>[N, C, S, S]</c>, too few, or the fraction leaves an empty side.</exception>
    public static RotationResult Score(nn.Module<Tensor, Tensor> encoder, Tensor images, Func<Tensor, Tensor>? preprocess = null,
        double testFraction = 0.5, long seed = 0, int batchSize = 256, Device? device = null, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[2] != images.shape[3])
            throw new ArgumentException(
                $"Rotation prediction needs square images [N, C, S, S] (a 90-degree turn must keep the shape) but got [{string.Join(", ", images.shape)}]. Centre-crop them first.", nameof(images));
        long n = images.shape[0];
        long test = (long)Math.Round(n * testFraction);
        if (!(testFraction > 0 && testFraction < 1) || test < 1 || test > n - 1)
            throw new ArgumentException($"testFraction {testFraction} of {n} images leaves no training or no held-out image; use at least 4 images and a fraction in (0, 1).", nameof(testFraction));

        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var order = randperm(n, generator: generator);
        var testIdx = order.narrow(0, 0, test).sort().Values;
        var trainIdx = order.narrow(0, test, n - test).sort().Values;

        // Features of the 4 rotations, rotation-major: rows k * n .. (k + 1) * n - 1 hold rotation k.
        var rotated = new Tensor[4];
        for (int k = 0; k < 4; k++)
        {
            using var turned = k == 0 ? images.alias() : images.rot90(k, (2, 3)).contiguous();
            long offset = k * n;
            rotated[k] = FeatureExtractor.Extract(encoder, turned, preprocess, batchSize, device,
                progress is null ? null : (done, _) => progress(offset + done, 4 * n));
        }
        var (xTrain, yTrain) = Gather(rotated, trainIdx);
        var (xTest, yTest) = Gather(rotated, testIdx);
        var mean = xTrain.mean(new long[] { 0 }, keepdim: true);
        var std = xTrain.std(0, unbiased: false, keepdim: true).clamp_min(1e-6);
        xTrain = (xTrain - mean) / std;
        xTest = (xTest - mean) / std;

        var (w, b) = Train(xTrain, yTrain);
        return new RotationResult(Accuracy(xTest, yTest, w, b), Accuracy(xTrain, yTrain, w, b), n - test, test);
    }

    private static (Tensor X, Tensor Y) Gather(Tensor[] rotated, Tensor index)
    {
        var x = cat(rotated.Select(r => r.index_select(0, index)).ToArray(), 0).to(ScalarType.Float64);
        var y = cat(Enumerable.Range(0, 4).Select(k => full(index.shape[0], k, ScalarType.Int64)).ToArray());
        return (x, y);
    }

    private static (Tensor W, Tensor B) Train(Tensor x, Tensor y)
    {
        long m = x.shape[0], d = x.shape[1];
        var w = zeros(d, 4, ScalarType.Float64);
        var b = zeros(1, 4, ScalarType.Float64);
        var (mw, vw, mb, vb) = (zeros_like(w), zeros_like(w), zeros_like(b), zeros_like(b));
        var target = nn.functional.one_hot(y, 4).to(ScalarType.Float64);
        for (int t = 1; t <= Steps; t++)
        {
            using var step = NewDisposeScope();
            // Gradient of mean softmax cross-entropy + (L2 / 2) ||W||^2.
            var g = (x.matmul(w) + b).softmax(1).sub_(target).div_(m);   // [M, 4]
            var gw = x.t().matmul(g).add_(w, L2);                        // [D, 4]
            var gb = g.sum(0, keepdim: true);                            // [1, 4]
            AdamStep(w, gw, mw, vw, t);
            AdamStep(b, gb, mb, vb, t);
        }
        return (w, b);
    }

    private static void AdamStep(Tensor p, Tensor grad, Tensor m, Tensor v, int t)
    {
        m.mul_(Beta1).add_(grad, 1 - Beta1);
        v.mul_(Beta2).addcmul_(grad, grad, 1 - Beta2);
        double c1 = 1 - Math.Pow(Beta1, t), c2 = 1 - Math.Pow(Beta2, t);
        var denom = (v / c2).sqrt_().add_(AdamEps);
        p.addcdiv_(m, denom, -LearningRate / c1);
    }

    private static double Accuracy(Tensor x, Tensor y, Tensor w, Tensor b)
    {
        using var scope = NewDisposeScope();
        var predicted = (x.matmul(w) + b).argmax(1);
        return predicted.eq(y).to(ScalarType.Float64).mean().item<double>();
    }
}
