using System.Text.Json;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Probes;

public class LinearProbeTests
{
    private static Tensor Matrix(JsonElement e) =>
        tensor(e.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray(),
            [e.GetArrayLength(), e[0].GetArrayLength()]);

    private static Tensor Vector(JsonElement e) => tensor(e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());

    private static Tensor Labels(JsonElement e) => tensor(e.EnumerateArray().Select(v => v.GetInt64()).ToArray());

    private static void AssertClose(Tensor expected, Tensor actual, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        using var scope = NewDisposeScope();
        var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
        var bound = expected.to(ScalarType.Float64).abs() * rtol + atol;
        Assert.True(diff.le(bound).all().item<bool>(), $"{what}: max |diff| {diff.max().item<double>():E3}");
    }

    public static TheoryData<int> FixtureCases() => new() { 0, 1, 2, 3 };

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void Training_matches_the_pytorch_reference(int index)
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "linear_probe.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var c = doc.RootElement.GetProperty("cases")[index];
        var expected = c.GetProperty("expected");
        var x = Matrix(c.GetProperty("train_features"));
        var y = Labels(c.GetProperty("train_labels"));
        var xt = Matrix(c.GetProperty("test_features"));
        var yt = Labels(c.GetProperty("test_labels"));
        var options = new LinearProbeOptions
        {
            Optimizer = c.GetProperty("optimizer").GetString()!,
            Epochs = c.GetProperty("epochs").GetInt32(),
            BatchSize = c.GetProperty("batch_size").GetInt32(),
            LearningRate = c.GetProperty("learning_rate").GetDouble(),
            Momentum = c.GetProperty("momentum").GetDouble(),
            WeightDecay = c.GetProperty("weight_decay").GetDouble(),
            LarsEta = c.GetProperty("lars_eta").GetDouble(),
            Shuffle = false,
        };
        using var head = new LinearClassifier((int)x.shape[1], c.GetProperty("num_classes").GetInt32());
        using (no_grad())
        {
            head.Linear.weight!.copy_(Matrix(c.GetProperty("initial_weight")));
            head.Linear.bias!.copy_(Vector(c.GetProperty("initial_bias")));
        }

        var losses = LinearProbe.Train(head, x, y, options);

        Assert.Equal(expected.GetProperty("steps").GetInt64(), LinearProbe.StepsPerEpoch(x.shape[0], options.BatchSize) * options.Epochs);
        var expectedLosses = expected.GetProperty("epoch_losses").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(expectedLosses.Length, losses.Count);
        for (int i = 0; i < losses.Count; i++) Assert.Equal(expectedLosses[i], losses[i], 1e-5 * Math.Abs(expectedLosses[i]) + 1e-6);
        AssertClose(Matrix(expected.GetProperty("weight")), head.Linear.weight!, "weight");
        AssertClose(Vector(expected.GetProperty("bias")), head.Linear.bias!, "bias");
        AssertClose(Vector(expected.GetProperty("running_mean")), head.BatchNorm!.running_mean!, "running mean");
        AssertClose(Vector(expected.GetProperty("running_var")), head.BatchNorm!.running_var!, "running var");
        head.eval();
        using (no_grad())
            AssertClose(Matrix(expected.GetProperty("test_logits")), head.call(xt), "test logits");
        var (top1, top5) = TopKAccuracy.Evaluate(head, xt, yt, 7, CPU);
        Assert.Equal(expected.GetProperty("top1").GetDouble(), top1, 12);
        Assert.Equal(expected.GetProperty("top5").GetDouble(), top5, 12);
    }

    private static (Tensor X, Tensor Y) Separable(int n, int d, int classes, long seed, bool randomLabels = false)
    {
        var g = new Generator((ulong)seed);
        var centers = randn(classes, d, generator: g) * 4;
        var y = randint(0, classes, [n], generator: g);
        var x = centers.index_select(0, y) + randn(n, d, generator: g) * 0.5 + 7;
        if (randomLabels) y = randint(0, classes, [n], generator: g);
        return (x, y);
    }

    [Fact]
    public void Linearly_separable_data_is_classified_almost_perfectly_with_sgd_and_lars()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Separable(1200, 16, 5, 1);
        var (train, test) = (x.narrow(0, 0, 1000), x.narrow(0, 1000, 200));
        var (ytrain, ytest) = (y.narrow(0, 0, 1000), y.narrow(0, 1000, 200));
        foreach (var options in new[] { new LinearProbeOptions { Epochs = 5 }, new LinearProbeOptions { Epochs = 5, Optimizer = "lars", LearningRate = 1, LarsEta = 0.02 } })
        {
            var r = LinearProbe.Evaluate(train, ytrain, test, ytest, options);
            Assert.True(r.Top1 >= 0.99, $"{options.Optimizer}: {r}");
            Assert.True(r.TrainTop1 >= 0.99, $"{options.Optimizer}: {r}");
            Assert.Equal(1.0, r.Top5);
            Assert.True(r.EpochLosses[^1] < r.EpochLosses[0], $"{options.Optimizer}: losses {string.Join(", ", r.EpochLosses)}");
            Assert.Equal(5, r.NumClasses);
            Assert.Equal(16, r.FeatureDim);
            Assert.Equal(4L * 5, r.Steps);
        }
        // LARS moves a weight by ~lr x eta of its norm per step; with eta 1e-3 (MoCo v3) 20 steps barely
        // move it, so this short run uses solo-learn's eta 0.02 (the bias still takes the plain lr).
    }

    [Fact]
    public void Random_labels_give_chance_on_the_test_set()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Separable(3000, 16, 10, 2, randomLabels: true);
        var r = LinearProbe.Evaluate(x.narrow(0, 0, 2000), y.narrow(0, 0, 2000), x.narrow(0, 2000, 1000), y.narrow(0, 2000, 1000),
            new LinearProbeOptions { Epochs = 5 });
        // Chance is 10%; with 1000 test rows the standard error is ~1%.
        Assert.InRange(r.Top1, 0.05, 0.15);
        Assert.InRange(r.Top5, 0.40, 0.60);
    }

    [Fact]
    public void Same_seed_gives_the_same_result_and_the_shuffle_depends_on_it()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Separable(600, 8, 4, 3, randomLabels: true);
        var (tr, te, ytr, yte) = (x.narrow(0, 0, 500), x.narrow(0, 500, 100), y.narrow(0, 0, 500), y.narrow(0, 500, 100));
        var a = LinearProbe.Evaluate(tr, ytr, te, yte, new LinearProbeOptions { Epochs = 3, Seed = 5 });
        var b = LinearProbe.Evaluate(tr, ytr, te, yte, new LinearProbeOptions { Epochs = 3, Seed = 5 });
        var c = LinearProbe.Evaluate(tr, ytr, te, yte, new LinearProbeOptions { Epochs = 3, Seed = 6 });
        Assert.Equal(a.EpochLosses, b.EpochLosses);
        Assert.Equal(a.Top1, b.Top1);
        Assert.NotEqual(a.EpochLosses, c.EpochLosses);
    }

    [Fact]
    public void Probing_an_encoder_neither_changes_it_nor_leaves_gradients_on_it()
    {
        using var scope = NewDisposeScope();
        using var backbone = new StandInBackbone(1, 4, 4, 6, seed: 3);
        backbone.train();
        var before = backbone.parameters().Select(p => p.detach().clone()).ToList();
        var g = new Generator(4);
        var images = randint(0, 256, [80, 1, 4, 4], generator: g).to(ScalarType.Byte);
        var labels = randint(0, 3, [80], generator: g);
        long lastDone = 0, lastTotal = 0;
        var r = LinearProbe.Evaluate(backbone, images.narrow(0, 0, 60), labels.narrow(0, 0, 60), images.narrow(0, 60, 20), labels.narrow(0, 60, 20),
            evalTransform: null, new LinearProbeOptions { Epochs = 2, BatchSize = 16 }, (d, t) => (lastDone, lastTotal) = (d, t));
        Assert.All(backbone.SeenGradEnabled, Assert.False);
        Assert.All(backbone.SeenTraining, Assert.False);
        Assert.True(backbone.training); // mode restored
        foreach (var (p, b) in backbone.parameters().Zip(before))
        {
            Assert.Null(p.grad);
            Assert.True(p.detach().eq(b).all().item<bool>());
        }
        Assert.Equal(lastTotal, lastDone);
        Assert.Equal(60 + 20 + 4 * 2, lastTotal);
        Assert.Equal(20, r.TestCount);
    }

    [Fact]
    public void Bad_input_fails_with_a_message()
    {
        using var scope = NewDisposeScope();
        var x = randn(20, 4);
        var y = zeros(20, ScalarType.Int64);
        Assert.Contains("one per feature row", Assert.Throws<ArgumentException>(() => LinearProbe.Evaluate(x, y.narrow(0, 0, 10), x, y)).Message);
        Assert.Contains("same encoder", Assert.Throws<ArgumentException>(() => LinearProbe.Evaluate(x, y, randn(20, 5), y)).Message);
        var nan = x.clone();
        nan[0, 0] = tensor(float.NaN);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => LinearProbe.Evaluate(nan, y, x, y)).Message);
        Assert.Contains("'sgd' or 'lars'", Assert.Throws<ArgumentException>(() => LinearProbe.Evaluate(x, y, x, y, new LinearProbeOptions { Optimizer = "adam" })).Message);
        Assert.Contains("batch size", Assert.Throws<ArgumentException>(() => LinearProbe.Evaluate(x, y, x, y, new LinearProbeOptions { BatchSize = 1 })).Message);
    }

    [Fact]
    public void Steps_per_epoch_skip_only_a_trailing_batch_of_one_row()
    {
        Assert.Equal(4, LinearProbe.StepsPerEpoch(50, 16));
        Assert.Equal(3, LinearProbe.StepsPerEpoch(49, 16));
        Assert.Equal(3, LinearProbe.StepsPerEpoch(48, 16));
        Assert.Equal(1, LinearProbe.StepsPerEpoch(2, 16));
    }

    [Fact]
    public void Top_k_accuracy_counts_labels_among_the_k_largest_logits()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0.1f, 0.9f, 0.5f, 0.3f, 0.2f, 0.1f, 0.0f, 0.0f, 1.0f }, [3, 3]);
        var labels = tensor(new long[] { 2, 1, 2 });
        Assert.Equal(1, TopKAccuracy.Correct(logits, labels, 1));  // only row 2
        Assert.Equal(3, TopKAccuracy.Correct(logits, labels, 2));  // row 0: 2nd; row 1: 2nd
        Assert.Equal(3, TopKAccuracy.Correct(logits, labels, 5));  // k > C: every row
    }
}
