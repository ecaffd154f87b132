using System.Text.Json;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Neighbours;

public class KnnTests
{
    private sealed record Fixture(Tensor Bank, Tensor BankLabels, Tensor Queries, Tensor QueryLabels, int NumClasses, JsonElement Cases);

    private static Fixture LoadFixture()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "knn.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement.Clone();
        static Tensor Matrix(JsonElement e) =>
            tensor(e.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray()
                .SelectMany(r => r).ToArray(), [e.GetArrayLength(), e[0].GetArrayLength()]);
        static Tensor Vector(JsonElement e) => tensor(e.EnumerateArray().Select(v => v.GetInt64()).ToArray());
        return new Fixture(Matrix(root.GetProperty("bank")), Vector(root.GetProperty("bank_labels")),
            Matrix(root.GetProperty("queries")), Vector(root.GetProperty("query_labels")),
            root.GetProperty("num_classes").GetInt32(), root.GetProperty("cases"));
    }

    private static JsonElement Case(Fixture f, string metric, string weighting) =>
        f.Cases.EnumerateArray().Single(c => c.GetProperty("metric").GetString() == metric && c.GetProperty("weighting").GetString() == weighting);

    [Theory]
    [InlineData("cosine", "exponential", KnnMetric.Cosine, KnnWeighting.Exponential)]
    [InlineData("cosine", "uniform", KnnMetric.Cosine, KnnWeighting.Uniform)]
    [InlineData("l2", "exponential", KnnMetric.L2, KnnWeighting.Exponential)]
    [InlineData("l2", "uniform", KnnMetric.L2, KnnWeighting.Uniform)]
    public void Predictions_and_accuracies_match_the_pytorch_reference(string metric, string weighting, KnnMetric m, KnnWeighting w)
    {
        using var scope = NewDisposeScope();
        var f = LoadFixture();
        var c = Case(f, metric, weighting);
        var options = new KnnOptions { Ks = [1, 5, 20, 200], Metric = m, Weighting = w, Temperature = c.GetProperty("temperature").GetDouble() };

        var predictions = Knn.Predict(f.Bank, f.BankLabels, f.Queries, options, f.NumClasses);
        var result = Knn.Evaluate(f.Bank, f.BankLabels, f.Queries, f.QueryLabels, options);

        Assert.Equal(4, predictions.Count);
        foreach (var p in predictions)
        {
            var expected = c.GetProperty("results").GetProperty(p.K.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var ranked = expected.GetProperty("ranked").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToList();
            Assert.Equal(ranked.Count, p.Ranked.Count);
            for (int i = 0; i < ranked.Count; i++)
                Assert.True(ranked[i].SequenceEqual(p.Ranked[i]),
                    $"k={p.K} query {i}: expected [{string.Join(",", ranked[i])}] got [{string.Join(",", p.Ranked[i])}]");
            Assert.Equal(expected.GetProperty("top1").GetDouble(), result[p.K].Top1, 12);
            Assert.Equal(expected.GetProperty("top5").GetDouble(), result[p.K].Top5, 12);
        }
        Assert.Equal(50, result.QueryCount);
        Assert.Equal(200, result.BankCount);
    }

    [Fact]
    public void A_query_equal_to_a_bank_row_gets_that_rows_label_with_k1()
    {
        using var scope = NewDisposeScope();
        var bank = randn(30, 8, generator: new Generator(5));
        var labels = arange(30, ScalarType.Int64).remainder(7);
        var queries = bank.index_select(0, tensor(new long[] { 3, 17, 29 }));
        foreach (var metric in new[] { KnnMetric.Cosine, KnnMetric.L2 })
        {
            var p = Knn.Predict(bank, labels, queries, new KnnOptions { Ks = [1], Metric = metric });
            Assert.Equal(new long[] { 3, 3, 1 }, p[0].Top1);
            var r = Knn.Evaluate(bank, labels, queries, labels.index_select(0, tensor(new long[] { 3, 17, 29 })), new KnnOptions { Ks = [1], Metric = metric });
            Assert.Equal(1.0, r[1].Top1);
            Assert.Equal(1.0, r[1].Top5); // k = 1: top-5 is top-1
        }
    }

    [Fact]
    public void Exponential_weights_let_one_close_neighbour_outvote_two_far_ones_majority_does_not()
    {
        using var scope = NewDisposeScope();
        // Query (1, 0). Class 1 at similarity 1; two class-0 rows at similarity 0.6.
        // exp(1/0.07) = 1.6e6 > 2 exp(0.6/0.07) = 1.05e4, so the weighted vote says 1; majority says 0.
        var bank = tensor(new float[] { 1, 0, 0.6f, 0.8f, 0.6f, -0.8f }, [3, 2]);
        var labels = tensor(new long[] { 1, 0, 0 });
        var query = tensor(new float[] { 1, 0 }, [1, 2]);
        var weighted = Knn.Predict(bank, labels, query, new KnnOptions { Ks = [3] });
        var majority = Knn.Predict(bank, labels, query, new KnnOptions { Ks = [3], Weighting = KnnWeighting.Uniform });
        Assert.Equal(new long[] { 1, 0 }, weighted[0].Ranked[0]);
        Assert.Equal(new long[] { 0, 1 }, majority[0].Ranked[0]);
    }

    [Fact]
    public void Tied_votes_go_to_the_smaller_class_index()
    {
        using var scope = NewDisposeScope();
        var bank = tensor(new float[] { 1, 0, 0, 1, 5, 5 }, [3, 2]);
        var labels = tensor(new long[] { 4, 2, 0 });
        var query = tensor(new float[] { 0.5f, 0.5f }, [1, 2]);
        var p = Knn.Predict(bank, labels, query, new KnnOptions { Ks = [2], Metric = KnnMetric.L2, Weighting = KnnWeighting.Uniform });
        Assert.Equal(new long[] { 2, 4 }, p[0].Ranked[0]);
    }

    [Fact]
    public void Chunked_and_unchunked_give_identical_results()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(11);
        var bank = randn(300, 12, generator: g);
        var bankLabels = randint(0, 10, [300], generator: g);
        var queries = randn(97, 12, generator: g);
        var queryLabels = randint(0, 10, [97], generator: g);
        foreach (var metric in new[] { KnnMetric.Cosine, KnnMetric.L2 })
        {
            var whole = new KnnOptions { Ks = [1, 20, 200], Metric = metric, QueryChunkSize = 97 };
            var reference = Knn.Predict(bank, bankLabels, queries, whole, 10);
            var referenceResult = Knn.Evaluate(bank, bankLabels, queries, queryLabels, whole);
            foreach (var options in new[] { whole with { QueryChunkSize = 1 }, whole with { QueryChunkSize = 7 }, whole with { QueryChunkSize = 0, MaxChunkElements = 300 * 10 } })
            {
                var p = Knn.Predict(bank, bankLabels, queries, options, 10);
                for (int ki = 0; ki < 3; ki++)
                    for (int i = 0; i < 97; i++)
                        Assert.Equal(reference[ki].Ranked[i], p[ki].Ranked[i]);
                Assert.Equal(referenceResult.Scores, Knn.Evaluate(bank, bankLabels, queries, queryLabels, options).Scores);
            }
        }
        Assert.Equal(10, Knn.ChunkSize(new KnnOptions { MaxChunkElements = 3000 }, 300, 97));
        Assert.Equal(97, Knn.ChunkSize(new KnnOptions(), 300, 97));
    }

    [Fact]
    public void Result_indexer_names_the_missing_k()
    {
        using var scope = NewDisposeScope();
        var bank = randn(10, 3, generator: new Generator(1));
        var labels = zeros(10, ScalarType.Int64);
        var r = Knn.Evaluate(bank, labels, bank, labels, new KnnOptions { Ks = [1, 5] });
        Assert.Equal(1.0, r[5].Top1);
        var e = Assert.Throws<KeyNotFoundException>(() => r[20]);
        Assert.Contains("k = 20", e.Message);
        Assert.Contains("k=1 top1 100.00%", r.ToString());
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "k_too_large", "larger than the memory bank" },
        { "width_mismatch", "same feature width" },
        { "label_count", "one label per row" },
        { "three_dims", "must be [M, D]" },
        { "nan", "NaN" },
        { "negative_label", "negative class index" },
        { "float_labels", "integer class indices" },
        { "no_k", "Ks is empty" },
        { "zero_k", "k >= 1" },
        { "temperature", "Temperature" },
        { "empty_bank", "empty" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_fails_with_a_clear_message(string kind, string expectedMessage)
    {
        using var scope = NewDisposeScope();
        var bank = randn(10, 4, generator: new Generator(2));
        var labels = arange(10, ScalarType.Int64).remainder(3);
        var queries = randn(5, 4, generator: new Generator(3));
        var queryLabels = zeros(5, ScalarType.Int64);
        var options = new KnnOptions { Ks = [3] };
        Action act = kind switch
        {
            "k_too_large" => () => Knn.Evaluate(bank, labels, queries, queryLabels, new KnnOptions { Ks = [3, 11] }),
            "width_mismatch" => () => Knn.Evaluate(bank, labels, randn(5, 5), queryLabels, options),
            "label_count" => () => Knn.Evaluate(bank, labels, queries, zeros(4, ScalarType.Int64), options),
            "three_dims" => () => Knn.Evaluate(bank.view(10, 2, 2), labels, queries, queryLabels, options),
            "nan" => () => Knn.Evaluate(bank.index_put_(float.NaN, TensorIndex.Single(2)), labels, queries, queryLabels, options),
            "negative_label" => () => Knn.Evaluate(bank, labels.sub(1), queries, queryLabels, options),
            "float_labels" => () => Knn.Evaluate(bank, labels.to(ScalarType.Float32), queries, queryLabels, options),
            "no_k" => () => Knn.Evaluate(bank, labels, queries, queryLabels, new KnnOptions { Ks = [] }),
            "zero_k" => () => Knn.Evaluate(bank, labels, queries, queryLabels, new KnnOptions { Ks = [0] }),
            "temperature" => () => Knn.Evaluate(bank, labels, queries, queryLabels, new KnnOptions { Temperature = 0, Ks = [1] }),
            "empty_bank" => () => Knn.Evaluate(zeros(0, 4), zeros(0, ScalarType.Int64), queries, queryLabels, options),
            _ => throw new InvalidOperationException(kind),
        };
        var e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Contains(expectedMessage, e.Message);
    }
}
