using SslSharp.Methods.Clustering;

namespace SslSharp.Tests.Methods.Clustering;

public class UniformClusterSamplerTests
{
    /// <summary>Cluster sizes 1000, 300, 60, 30, 9, 1 (1400 images) and two empty clusters (6 and 7).</summary>
    private static long[] Skewed()
    {
        var sizes = new[] { 1000, 300, 60, 30, 9, 1 };
        var a = new List<long>();
        for (int c = 0; c < sizes.Length; c++) a.AddRange(Enumerable.Repeat((long)c, sizes[c]));
        // interleave so cluster membership is not contiguous
        return a.Select((c, i) => (c, key: (i * 7919L) % a.Count)).OrderBy(t => t.key).Select(t => t.c).ToArray();
    }

    [Fact]
    public void Every_non_empty_cluster_is_sampled_about_equally()
    {
        var assignments = Skewed();
        var sampler = new UniformClusterSampler(assignments, clusters: 8, seed: 1);
        Assert.Equal(6, sampler.NonEmptyClusters);
        Assert.Equal(1400 / 6 + 1, sampler.PerCluster);
        var order = sampler.EpochOrder(0, 1400);
        Assert.Equal(1400, order.Length);
        var perCluster = order.GroupBy(i => assignments[i]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }, perCluster.Keys.Order()); // empty clusters never appear
        // 6 x 234 = 1404 draws cut to 1400: each cluster keeps between 230 and 234.
        Assert.All(perCluster.Values, n => Assert.InRange(n, sampler.PerCluster - 4, sampler.PerCluster));
    }

    [Fact]
    public void Small_clusters_are_drawn_with_replacement_large_ones_without()
    {
        var assignments = Skewed();
        var sampler = new UniformClusterSampler(assignments, 8, seed: 2);
        var order = sampler.EpochOrder(3, 1400);
        var byCluster = order.GroupBy(i => assignments[i]).ToDictionary(g => g.Key, g => g.ToList());
        // Clusters bigger than 234: no image twice. Cluster 5 has one image: it is repeated.
        Assert.Equal(byCluster[0].Count, byCluster[0].Distinct().Count());
        Assert.Equal(byCluster[1].Count, byCluster[1].Distinct().Count());
        Assert.Single(byCluster[5].Distinct());
        Assert.True(byCluster[5].Count > 200);
        // A cluster of 60 drawn 230+ times covers nearly all its images.
        Assert.True(byCluster[2].Distinct().Count() >= 55);
    }

    [Fact]
    public void The_order_is_a_function_of_seed_and_epoch()
    {
        var assignments = Skewed();
        var a = new UniformClusterSampler(assignments, 8, seed: 5);
        var b = new UniformClusterSampler(assignments, 8, seed: 5);
        Assert.Equal(a.EpochOrder(4, 1400), b.EpochOrder(4, 1400));
        Assert.NotEqual(a.EpochOrder(4, 1400), a.EpochOrder(5, 1400));
        Assert.NotEqual(a.EpochOrder(4, 1400), new UniformClusterSampler(assignments, 8, seed: 6).EpochOrder(4, 1400));
    }

    [Fact]
    public void Over_many_epochs_images_of_a_cluster_are_drawn_uniformly()
    {
        // 2 clusters: 10 images and 90 images; per epoch each cluster gets ~50 draws.
        var assignments = Enumerable.Range(0, 100).Select(i => i < 10 ? 0L : 1L).ToArray();
        var sampler = new UniformClusterSampler(assignments, 2, seed: 9);
        var counts = new int[100];
        for (int e = 0; e < 200; e++)
            foreach (long i in sampler.EpochOrder(e, 100)) counts[i]++;
        // Cluster 0: ~50 x 200 / 10 = 1000 per image; cluster 1: ~50 x 200 / 90 = 111 per image.
        Assert.All(counts.Take(10), c => Assert.InRange(c, 850, 1150));
        Assert.All(counts.Skip(10), c => Assert.InRange(c, 70, 160));
    }

    [Fact]
    public void Bad_input_fails_with_a_clear_message()
    {
        Assert.Contains("outside [0, 3)", Assert.Throws<ArgumentException>(() => new UniformClusterSampler(new long[] { 0, 3 }, 3, 0)).Message);
        Assert.Throws<ArgumentException>(() => new UniformClusterSampler(Array.Empty<long>(), 3, 0));
        var s = new UniformClusterSampler(new long[] { 0, 1, 1 }, 2, 0);
        Assert.Contains("re-cluster", Assert.Throws<ArgumentException>(() => s.EpochOrder(0, 4)).Message);
    }
}
