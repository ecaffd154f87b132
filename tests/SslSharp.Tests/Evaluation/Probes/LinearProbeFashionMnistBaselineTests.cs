using System.Diagnostics;
using SslSharp.Data;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Probes;

/// <summary>
/// The linear probe on raw pixels of the full Fashion-MNIST (60k train, 10k test; pixels / 255,
/// flattened, standardised with the training mean and std per pixel) must reach the known
/// multinomial logistic-regression level: about 84% top-1 (Xiao et al. 2017, the Fashion-MNIST
/// benchmark table: scikit-learn LogisticRegression 84.2%).
/// </summary>
[Trait("Category", "Slow")]
public class LinearProbeFashionMnistBaselineTests(ITestOutputHelper output)
{
    private const string DataDirectory = "/usr/share/datasets/fashion-mnist";

    [Fact]
    public void Raw_pixel_linear_probe_reaches_the_logistic_regression_level()
    {
        if (!File.Exists(Path.Combine(DataDirectory, "train-images-idx3-ubyte.gz")))
            Assert.Fail($"Fashion-MNIST not found in {DataDirectory}; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist).");
        using var scope = NewDisposeScope();
        using var train = FashionMnist.Load(DataDirectory, train: true);
        using var test = FashionMnist.Load(DataDirectory, train: false);
        var x = train.Images.flatten(1).to(ScalarType.Float32).div_(255);
        var xt = test.Images.flatten(1).to(ScalarType.Float32).div_(255);
        var mean = x.mean([0], keepdim: true);
        var std = x.std(0, keepdim: true).clamp_min_(1e-3);
        x = (x - mean) / std;
        xt = (xt - mean) / std;

        var sw = Stopwatch.StartNew();
        var r = LinearProbe.Evaluate(x, train.Labels, xt, test.Labels);
        output.WriteLine($"{r} in {sw.Elapsed.TotalSeconds:F1} s; epoch losses {string.Join(", ", r.EpochLosses.Select(l => l.ToString("F4")))}");

        Assert.Equal(60000, r.TrainCount);
        Assert.Equal(10000, r.TestCount);
        Assert.InRange(r.Top1, 0.835, 0.87);
        Assert.True(r.TrainTop1 > r.Top1, "a linear model fits its training set at least as well as the test set");
    }
}
