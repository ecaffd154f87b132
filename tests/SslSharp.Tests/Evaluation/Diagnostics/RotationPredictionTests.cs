using SslSharp.Data;
using SslSharp.Evaluation.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Diagnostics;

public class RotationPredictionTests
{
    /// <summary>A frozen "encoder" given as a function of the batch.</summary>
    private sealed class FunctionEncoder(Func<Tensor, Tensor> f) : nn.Module<Tensor, Tensor>("function_encoder")
    {
        public override Tensor forward(Tensor input) => f(input);
    }

    private static Tensor FashionImages(int n)
    {
        using var data = FashionMnist.LoadEmbedded();
        return data.Images.narrow(0, 0, n).clone();
    }

    [Fact]
    public void Constant_features_score_exactly_chance()
    {
        using var scope = NewDisposeScope();
        var images = FashionImages(120);
        var constant = new FunctionEncoder(x => ones(x.shape[0], 8) * 3);
        var r = RotationPrediction.Score(constant, images, seed: 1);
        Assert.Equal(RotationResult.Chance, r.Accuracy, 12);
        Assert.Equal(60, r.TestImages);
        Assert.Equal(60, r.TrainImages);
    }

    [Fact]
    public void Rotation_invariant_features_score_exactly_chance_however_informative()
    {
        // Sorted pixel values do not change under a 90-degree turn: the 4 rotations of a held-out image
        // get one prediction, right for exactly one of them.
        using var scope = NewDisposeScope();
        var images = FashionImages(120);
        var sorted = new FunctionEncoder(x => x.flatten(1).sort(1).Values);
        Assert.Equal(0.25, RotationPrediction.Score(sorted, images, seed: 2).Accuracy, 12);
    }

    [Fact]
    public void Raw_pixels_see_the_orientation_and_score_high_reproducibly()
    {
        using var scope = NewDisposeScope();
        var images = FashionImages(300);
        var pixels = new FunctionEncoder(x => x.flatten(1));
        var a = RotationPrediction.Score(pixels, images, seed: 3);
        var b = RotationPrediction.Score(pixels, images, seed: 3);
        Assert.True(a.Accuracy > 0.85, $"raw-pixel rotation accuracy {a.Accuracy}");
        Assert.True(a.TrainAccuracy >= a.Accuracy - 0.02);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Non_square_images_and_bad_fractions_are_refused()
    {
        using var scope = NewDisposeScope();
        var enc = new FunctionEncoder(x => x.flatten(1));
        var e = Assert.Throws<ArgumentException>(() => RotationPrediction.Score(enc, zeros(8, 1, 4, 6)));
        Assert.Contains("square", e.Message);
        Assert.Throws<ArgumentException>(() => RotationPrediction.Score(enc, zeros(8, 1, 4, 4), testFraction: 1.0));
        Assert.Throws<ArgumentException>(() => RotationPrediction.Score(enc, zeros(1, 1, 4, 4)));
    }
}
