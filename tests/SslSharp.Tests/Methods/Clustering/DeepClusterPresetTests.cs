using SslSharp.Backbones;
using SslSharp.Data;
using SslSharp.Methods;
using SslSharp.Methods.Clustering;
using SslSharp.Runs;

namespace SslSharp.Tests.Methods.Clustering;

public class DeepClusterPresetTests
{
    [Theory]
    [InlineData("small", 100, 512, true)]
    [InlineData("large", 10000, 4096, false)]
    public void Presets_load_build_one_view_and_the_method(string size, int clusters, int hidden, bool batchNorm)
    {
        var preset = MethodPresets.Find("deepcluster", size)!;
        var config = preset.ApplyTo(new RunConfig { Method = "deepcluster", Seed = 1 });
        Assert.Equal(SslSharp.Training.Optim.OptimizerKind.Sgd, config.Optimizer);
        Assert.Equal(1.0e-5, config.WeightDecay);
        var views = config.Augment!.Build(size == "small" ? 28 : 64, 1, new[] { 0.5f }, new[] { 0.25f });
        Assert.Equal(1, views.ViewCount);
        var settings = new Dictionary<string, string>(config.Options) { ["seed"] = "1" };
        using var method = Assert.IsType<DeepCluster>(MethodRegistry.Create("deepcluster", new ConvNet(1, new[] { 8 }), new MethodSettings(settings)));
        Assert.Equal(clusters, method.Clusters);
        Assert.Equal(hidden, method.ClusteringDim);
        Assert.Equal(batchNorm, method.Projector!.state_dict().Keys.Any(k => k.Contains("running_mean", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_embedded_default_uses_the_small_preset()
    {
        var d = PretrainDefaults.For("deepcluster", FashionMnist.EmbeddedName);
        Assert.Equal("100", d.Options["num_clusters"]);
        Assert.Equal(1, d.Augment!.GlobalCrops);
        Assert.Equal(0.1, d.LearningRate);
    }
}
