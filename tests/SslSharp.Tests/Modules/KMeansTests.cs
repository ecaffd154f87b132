using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using F = SslSharp.Tests.Modules.DeepClusterFixture;

namespace SslSharp.Tests.Modules;

public class KMeansTests
{
    public static IEnumerable<object[]> KMeansNames() => F.Names("kmeans");

    public static IEnumerable<object[]> PipelineNames() => F.Names("pipeline");

    [Theory]
    [MemberData(nameof(KMeansNames))]
    public void Lloyd_from_a_given_start_matches_the_numpy_reference(string name)
    {
        var c = F.Case("kmeans", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64(), k = c.GetProperty("k").GetInt64();
        int iterations = c.GetProperty("iterations").GetInt32();
        using var scope = torch.NewDisposeScope();
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var x = F.Matrix(c, "x", n, d, dtype);
            var init = F.Matrix(c, "init", k, d, dtype);
            using var result = KMeans.Lloyd(x, init, iterations);
            double rel = dtype == ScalarType.Float64 ? 1e-10 : 1e-5;
            Assert.Equal(F.Longs(c.GetProperty("assignments")), result.Assignments.data<long>().ToArray());
            F.AssertClose(F.Doubles(c.GetProperty("centroids")), result.Centroids, rel, $"{name} centroids ({dtype})");
            double loss = c.GetProperty("loss").GetDouble();
            Assert.True(Math.Abs(result.Loss - loss) <= rel * 10 * loss, $"{name} loss ({dtype}): expected {loss:R}, got {result.Loss:R}");
            Assert.Equal(c.GetProperty("splits").GetInt32(), result.Splits);
            Assert.Equal(dtype, result.Centroids.dtype);
            var (first, _) = KMeans.Assign(x, init);
            Assert.Equal(F.Longs(c.GetProperty("first_assignments")), first.data<long>().ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(PipelineNames))]
    public void Whitening_then_kmeans_matches_the_numpy_pipeline(string name)
    {
        var c = F.Case("pipeline", name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        int pcaDim = c.GetProperty("pca_dim").GetInt32(), k = c.GetProperty("k").GetInt32(), iterations = c.GetProperty("iterations").GetInt32();
        using var scope = torch.NewDisposeScope();
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var features = F.Matrix(c, "features", n, d, dtype);
            var points = PcaWhitening.WhitenAndNormalize(features, pcaDim);
            double rel = dtype == ScalarType.Float64 ? 1e-8 : 1e-5;
            F.AssertClose(F.Doubles(c.GetProperty("points")), points, rel, $"{name} points ({dtype})");
            using var index = torch.tensor(F.Longs(c.GetProperty("init_indices")));
            using var result = KMeans.Lloyd(points, points.index_select(0, index), iterations);
            Assert.Equal(F.Longs(c.GetProperty("assignments")), result.Assignments.data<long>().ToArray());
            F.AssertClose(F.Doubles(c.GetProperty("centroids")), result.Centroids, rel * 10, $"{name} centroids ({dtype})");
        }
    }

    [Fact]
    public void An_empty_cluster_is_reseeded_by_splitting_the_largest_with_the_faiss_perturbation()
    {
        using var scope = torch.NewDisposeScope();
        // Hand-derived: 4 points around (1, 2), one centroid there and one far away. After the update
        // the far cluster is empty; it takes the big centroid times (1 + 1/1024, 1 - 1/1024), and the big
        // one becomes (1 - 1/1024, 1 + 1/1024) times itself.
        var x = torch.tensor(new double[] { 0, 2, 2, 2, 1, 1, 1, 3 }, new long[] { 4, 2 });
        var init = torch.tensor(new double[] { 1, 2, 50, 50 }, new long[] { 2, 2 });
        using var result = KMeans.Lloyd(x, init, 1);
        double e = KMeans.SplitPerturbation;
        var expected = new[] { 1 * (1 - e), 2 * (1 + e), 1 * (1 + e), 2 * (1 - e) };
        Assert.Equal(1, result.Splits);
        F.AssertClose(expected, result.Centroids, 1e-12, "split centroids");
        Assert.Equal(1.0 / 1024, e);
    }

    [Fact]
    public void Fit_is_seeded_and_recovers_well_separated_blobs()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(1);
        var centres = torch.tensor(new float[] { 0, 0, 10, 0, 0, 10, 10, 10 }, new long[] { 4, 2 });
        var labels = torch.arange(200, ScalarType.Int64).remainder(4);
        var x = centres.index_select(0, labels).add(torch.randn(new long[] { 200, 2 }, generator: g).mul(0.3));
        foreach (var init in new[] { KMeansInit.Random, KMeansInit.PlusPlus })
        {
            using var a = new KMeans(4, 10, init, seed: 3).Fit(x);
            using var b = new KMeans(4, 10, init, seed: 3).Fit(x);
            Assert.True(a.Assignments.eq(b.Assignments).all().item<bool>());
            Assert.True(a.Centroids.allclose(b.Centroids, 0, 0));
            // Every blob maps to one cluster and every cluster to one blob (k-means++ always; random init here too).
            var pairs = labels.mul(4).add(a.Assignments).unique().Item1;
            Assert.Equal(4, pairs.shape[0]);
            Assert.True(a.Loss / 200 < 0.3 * 0.3 * 2 * 1.5);
        }
        using var other = new KMeans(4, 1, KMeansInit.Random, seed: 4).Fit(x);
        using var initA = KMeans.InitialCentroids(x, 4, KMeansInit.Random, 3);
        using var initB = KMeans.InitialCentroids(x, 4, KMeansInit.Random, 4);
        Assert.False(initA.allclose(initB, 0, 0));
    }

    [Fact]
    public void Initial_centroids_are_distinct_data_points()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 50, 3 }, generator: new Generator(2), dtype: ScalarType.Float64);
        foreach (var init in new[] { KMeansInit.Random, KMeansInit.PlusPlus })
        {
            var c = KMeans.InitialCentroids(x, 10, init, 5);
            var (_, d2) = KMeans.Assign(c, x);
            Assert.True(d2.max().item<double>() < 1e-12); // each centroid is a data point
            var pairwise = c.unsqueeze(1).sub(c.unsqueeze(0)).pow(2).sum(2).add(torch.eye(10, dtype: ScalarType.Float64).mul(1e9));
            Assert.True(pairwise.min().item<double>() > 0); // and they differ
        }
    }

    [Fact]
    public void Assignment_is_chunked_without_changing_the_result()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(8);
        var x = torch.randn(new long[] { 3000, 4 }, generator: g, dtype: ScalarType.Float64);
        var c = torch.randn(new long[] { 2000, 4 }, generator: g, dtype: ScalarType.Float64); // 2097 rows per chunk: 2 chunks
        var (a, d2) = KMeans.Assign(x, c);
        var direct = x.unsqueeze(1).sub(c.unsqueeze(0)).pow(2).sum(2);
        Assert.True(a.eq(direct.argmin(1)).all().item<bool>());
        Assert.True(d2.allclose(direct.min(1).values, rtol: 1e-9, atol: 1e-12));
    }

    [Fact]
    public void Bad_input_fails_with_a_clear_message()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(5, 3);
        Assert.Contains("at least 6 points", Assert.Throws<ArgumentException>(() => new KMeans(6).Fit(x)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeans(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeans(2, iterations: 0));
        var nan = x.clone();
        nan[0, 0] = torch.tensor(float.NaN);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => new KMeans(2).Fit(nan)).Message);
        Assert.Contains("width", Assert.Throws<ArgumentException>(() => KMeans.Lloyd(x, torch.randn(2, 4), 1)).Message);
        Assert.Contains("float points", Assert.Throws<ArgumentException>(() => new KMeans(2).Fit(torch.ones(5, 3, ScalarType.Int64))).Message);
    }
}
