using SslSharp.Data;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation;

/// <summary>Evaluation calls must not leave native tensors behind (memory stays flat over a long run).</summary>
public class EvaluationMemoryTests
{
    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Knn_feature_extraction_and_the_callback_leave_no_tensors_alive()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var bank = randn(64, 8, generator: g);
        var bankLabels = randint(0, 4, [64], generator: g);
        var queries = randn(20, 8, generator: g);
        var queryLabels = randint(0, 4, [20], generator: g);
        var images = randint(0, 256, [20, 1, 4, 4], dtype: ScalarType.Byte, generator: g);
        using var encoder = new StandInBackbone(1, 4, 4, 6);
        var callback = new KnnCallback(images, queryLabels, images, queryLabels) { Options = new KnnOptions { Ks = [1, 5] }, BatchSize = 7 };

        // Warm up once (lazily created module state), then measure.
        Knn.Evaluate(bank, bankLabels, queries, queryLabels, new KnnOptions { Ks = [1, 5], QueryChunkSize = 3 });
        callback.Evaluate(encoder);
        long before = Live;
        for (int i = 0; i < 3; i++)
        {
            Knn.Evaluate(bank, bankLabels, queries, queryLabels, new KnnOptions { Ks = [1, 5], QueryChunkSize = 3 });
            Knn.Evaluate(bank, bankLabels, queries, queryLabels, new KnnOptions { Ks = [1, 5], Metric = KnnMetric.L2 });
            Knn.Predict(bank, bankLabels, queries, new KnnOptions { Ks = [5], QueryChunkSize = 4 });
            callback.Evaluate(encoder);
        }
        Assert.Equal(before, Live);

        using var features = FeatureExtractor.Extract(encoder, images, batchSize: 3);
        Assert.Equal(before + 1, Live); // only the returned features
    }
}
