using SslSharp.Augment;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Methods;
using SslSharp.Methods.Clustering;
using SslSharp.Modules;
using SslSharp.Tests.Data;
using SslSharp.Tests.Training;
using SslSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Clustering;

/// <summary>DeepCluster. Runs alone: trainer runs and resume checks use torch's global generator.</summary>
[Collection("TrainerSerial")]
public class DeepClusterTests
{
    private static readonly string[] Classes = { "h", "v", "d", "c" };

    /// <summary>n images 1x12x12: four patterns (horizontal bars, vertical bars, diagonal, centre blob) plus noise.</summary>
    internal static ImageDataset Patterns(int n = 96, long seed = 3)
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator((ulong)seed);
        var r = torch.arange(12, ScalarType.Float32);
        var rows = r.view(12, 1).expand(12, 12);
        var cols = r.view(1, 12).expand(12, 12);
        var patterns = torch.stack(new[]
        {
            rows.remainder(4).lt(2).to_type(ScalarType.Float32),
            cols.remainder(4).lt(2).to_type(ScalarType.Float32),
            rows.sub(cols).abs().lt(2).to_type(ScalarType.Float32),
            rows.sub(5.5).pow(2).add(cols.sub(5.5).pow(2)).lt(12).to_type(ScalarType.Float32),
        });
        var labels = torch.arange(n, ScalarType.Int64).remainder(4);
        var images = patterns.index_select(0, labels).mul(180).add(torch.rand(new long[] { n, 12, 12 }, generator: g).mul(70))
            .unsqueeze(1).clamp(0, 255).to_type(ScalarType.Byte);
        return new ImageDataset(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), "patterns", Classes);
    }

    private static DeepCluster Tiny(int k = 6, long seed = 0, int layers = 2, long? backboneSeed = null) =>
        new(new ConvNet(1, new[] { 8, 16 }, seed: backboneSeed ?? seed), new DeepClusterOptions { NumClusters = k, PcaDim = 8, KmeansIterations = 10, HiddenDim = 24, ProjectorLayers = layers, BatchNorm = true, FeatureBatchSize = 32, Seed = seed });

    private static EpochContext Context(IBatchSource source, int epoch = 0, List<Parameter>? reset = null, Dictionary<string, double>? log = null) =>
        new(epoch, 0, new TrainingProgress(0, 10, epoch, 10), source, torch.CPU,
            (name, value) => { if (log is not null) log[name] = value; },
            ps => reset?.AddRange(ps));

    private static TrainerOptions Options(int epochs = 3) => new()
    {
        Epochs = epochs, BatchSize = 16, Optimizer = SslSharp.Training.Optim.OptimizerKind.Sgd, BaseLr = 0.05, WeightDecay = 1e-5, WarmupEpochs = 0, MinLr = 0.05, Seed = 1,
    };

    [Fact]
    public void Defaults_follow_the_paper_and_the_official_code()
    {
        using var m = new DeepCluster(new ConvNet(1, new[] { 8 }), new DeepClusterOptions());
        Assert.Equal(10000, m.Clusters);
        Assert.Equal(256, m.PcaDim);
        Assert.Equal(20, m.KMeansIterations);
        Assert.Equal(KMeansInit.Random, m.KMeansInit);
        Assert.Equal(0.01, m.TopLayerStd);
        Assert.Equal(new[] { 4096 }, m.Projector!.HiddenDims);
        Assert.Equal(4096, m.ClusteringDim);
        Assert.Equal(new long[] { 10000, 4096 }, m.TopLayer.weight!.shape);
        Assert.Equal(1, m.MinimumViews);
        Assert.Null(m.Assignments);
        var keys = m.state_dict().Keys.ToList();
        Assert.Contains("top_layer.weight", keys);
        Assert.Contains(keys, k => k.StartsWith("projector.", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("backbone.", StringComparison.Ordinal));
        using var bare = new DeepCluster(new ConvNet(1, new[] { 8 }), new DeepClusterOptions { NumClusters = 5, ProjectorLayers = 0 });
        Assert.Null(bare.Projector);
        Assert.Equal(8, bare.ClusteringDim);
    }

    [Fact]
    public void Epoch_start_clusters_the_data_sets_the_sampler_and_reinitialises_the_classifier()
    {
        using var data = Patterns();
        var loader = new Loader(data, 16, new StandInViewGenerator(), seed: 2) { EvalTransform = new Normalize(new[] { 0.5f }, new[] { 0.25f }) };
        using var m = Tiny();
        using (var noGrad = torch.no_grad()) m.TopLayer.weight!.fill_(1.0);
        var reset = new List<Parameter>();
        var log = new Dictionary<string, double>();
        m.OnEpochStart(Context(loader, epoch: 2, reset, log));

        var a = m.Assignments!;
        Assert.Equal(new long[] { 96 }, a.shape);
        Assert.True(a.ge(0).all().item<bool>() && a.lt(6).all().item<bool>());
        // The pseudo-labels are those of DeepCluster's pipeline on the eval-transformed features.
        using var scope = torch.NewDisposeScope();
        var features = m.ClusteringFeatures(data.Images, loader.EvalTransform);
        using var expected = m.Cluster(features, 2);
        Assert.True(expected.Assignments.eq(a).all().item<bool>());
        Assert.Equal(expected.Loss / 96, m.LastClusteringLoss, 6);
        Assert.Equal(m.LastClusteringLoss, log["deepcluster/kmeans_loss"]);
        Assert.InRange(log["deepcluster/clusters_used"], 2, 6);

        var sampler = Assert.IsType<UniformClusterSampler>(loader.Sampler);
        Assert.Equal(96, sampler.Count);
        var order = loader.EpochOrder(2);
        Assert.Equal(sampler.EpochOrder(2, 96), order);

        // Fresh classifier: N(0, 0.01) from (seed, epoch), zero bias, and its optimizer state reset.
        var w = m.TopLayer.weight!;
        Assert.InRange(w.std().item<float>(), 0.008, 0.012);
        Assert.True(m.TopLayer.bias!.eq(0).all().item<bool>());
        using var twin = Tiny();
        twin.ResetTopLayer(2);
        Assert.True(w.allclose(twin.TopLayer.weight!, 0, 0));
        twin.ResetTopLayer(3);
        Assert.False(w.allclose(twin.TopLayer.weight!, 0, 0));
        Assert.Equal(2, reset.Count);
        Assert.Contains(reset, p => p.Handle == w.Handle);
        Assert.Contains(reset, p => p.Handle == m.TopLayer.bias!.Handle);
    }

    [Fact]
    public void Clustering_features_are_the_eval_mode_mlp_output_without_gradient_and_modes_are_restored()
    {
        using var data = Patterns(40);
        using var m = Tiny();
        m.train();
        using var scope = torch.NewDisposeScope();
        var transform = new Normalize(new[] { 0.5f }, new[] { 0.25f });
        var features = m.ClusteringFeatures(data.Images, transform);
        Assert.Equal(new long[] { 40, 24 }, features.shape);
        Assert.False(features.requires_grad);
        Assert.True(m.training && m.Encoder.training && m.Projector!.training);

        m.eval();
        using var noGrad = torch.no_grad();
        var x = transform.Apply(data.Images.to_type(ScalarType.Float32).div(255), new Generator(0));
        var expected = m.Projector.call(m.Encoder.call(x));
        Assert.True(features.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Loss_is_the_cross_entropy_of_view0_with_the_pseudo_labels_and_gradients_reach_the_backbone()
    {
        using var data = Patterns();
        var loader = new Loader(data, 16, new StandInViewGenerator(), seed: 2);
        using var m = Tiny(seed: 4);
        m.OnEpochStart(Context(loader));
        using var batch = loader.CreateBatch(0, 1);
        m.eval(); // fixed BN statistics for the hand-written forward
        using var scope = torch.NewDisposeScope();
        var output = m.call(batch);
        Assert.True(output.Loss.requires_grad);
        Assert.False(output.Features.requires_grad);
        Assert.False(output.Embeddings!.requires_grad);

        var targets = m.Assignments!.index_select(0, batch.Indices!);
        using (var noGrad = torch.no_grad())
        {
            var h = m.Encoder.call(batch.Views[0]);
            var z = m.Projector!.call(h);
            var expected = nn.functional.cross_entropy(m.TopLayer.call(nn.functional.relu(z)), targets);
            Assert.Equal(expected.item<float>(), output.Loss.item<float>(), 5);
            Assert.True(output.Features.allclose(h, rtol: 1e-5, atol: 1e-6));
            Assert.True(output.Embeddings.allclose(z, rtol: 1e-5, atol: 1e-6));
        }
        // Only view 0 counts.
        using var swapped = new ViewBatch(new[] { batch.Views[0], batch.Views[0].flip(3) }, indices: batch.Indices);
        Assert.Equal(output.Loss.item<float>(), m.call(swapped).Loss.item<float>(), 6);

        output.Loss.backward();
        Assert.True(m.Encoder.parameters().All(p => p.grad is not null && p.grad.abs().sum().item<float>() > 0));
        Assert.True(m.TopLayer.weight!.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Trains_for_a_few_epochs_with_the_trainer_loss_finite_and_falling_pseudo_labels_changing()
    {
        using var data = Patterns();
        var loader = new Loader(data, 16, new StandInViewGenerator(), seed: 2);
        using var m = Tiny(seed: 5);
        var snapshots = new List<long[]>();
        var losses = new List<(int Epoch, double Loss)>();
        var rec = new Recorder { OnStep = (s, metrics) => losses.Add((metrics.Epoch, metrics.Loss)) };
        var watcher = new EpochWatcher(() => snapshots.Add(m.Assignments!.data<long>().ToArray()));
        using (var trainer = new Trainer(m, loader, Options(epochs: 4), new ITrainerCallback[] { rec, watcher }))
            trainer.Fit();

        Assert.Equal(24, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l.Loss)));
        Assert.Equal(4, snapshots.Count);
        // The clustering is redone every epoch: pseudo-labels change.
        Assert.Contains(snapshots.Skip(1), s => !s.SequenceEqual(snapshots[0]));
        // Within an epoch the fresh classifier learns the pseudo-labels: late steps below the first step (about ln k).
        for (int e = 0; e < 4; e++)
        {
            var epoch = losses.Where(l => l.Epoch == e).Select(l => l.Loss).ToList();
            Assert.True(epoch.TakeLast(2).Average() < epoch[0], $"epoch {e}: {string.Join(", ", epoch)}");
        }
    }

    [Fact]
    public void Checkpoint_holds_the_weights_only_and_a_resume_at_an_epoch_boundary_reproduces_the_straight_run()
    {
        using var dir = new TempDir();
        var options = Options(epochs: 3);

        Dictionary<string, Tensor> Straight()
        {
            using var data = Patterns();
            var loader = new Loader(data, 16, new StandInViewGenerator(), seed: 2);
            using var m = Tiny(seed: 6);
            using var trainer = new Trainer(m, loader, options);
            trainer.Fit();
            return m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
        }

        var straight = Straight();
        using (var data = Patterns())
        {
            var loader = new Loader(data, 16, new StandInViewGenerator(), seed: 2);
            using var m = Tiny(seed: 6);
            using var trainer = new Trainer(m, loader, options with { MaxSteps = 12, RunDirectory = dir.Path }); // 2 of 3 epochs
            trainer.Fit();
        }
        // The checkpoint loads into a fresh, never-clustered DeepCluster (what eval --checkpoint does).
        using (var fresh = Tiny(seed: 99))
        {
            Checkpoint.LoadWeights(dir.File("last.ckpt"), fresh);
            Assert.Null(fresh.Assignments);
        }
        using (var data = Patterns())
        {
            var loader = new Loader(data, 16, new StandInViewGenerator(), seed: 2);
            using var m = Tiny(seed: 6, backboneSeed: 77); // other initial weights; the same method settings (seed)
            using var trainer = new Trainer(m, loader, options with { ResumeFrom = dir.File("last.ckpt"), RunDirectory = dir.Path });
            trainer.Fit();
            foreach (var (key, value) in m.state_dict())
                Assert.True(value.allclose(straight[key], 0, 0), $"{key} differs after the resume");
        }
        foreach (var t in straight.Values) t.Dispose();
    }

    [Fact]
    public void A_resume_mid_epoch_reclusters_and_is_deterministic()
    {
        using var dir = new TempDir();
        var options = Options(epochs: 2);
        using (var data = Patterns())
        {
            var loader = new Loader(data, 16, new StandInViewGenerator(), seed: 2);
            using var m = Tiny(seed: 8);
            using var trainer = new Trainer(m, loader, options with { MaxSteps = 3, RunDirectory = dir.Path });
            trainer.Fit();
        }
        var resumed = new List<List<double>>();
        for (int run = 0; run < 2; run++)
        {
            using var data = Patterns();
            var loader = new Loader(data, 16, new StandInViewGenerator(), seed: 2);
            using var m = Tiny(seed: 8);
            var rec = new Recorder();
            using var copy = new TempDir();
            File.Copy(dir.File("last.ckpt"), copy.File("last.ckpt"));
            using var trainer = new Trainer(m, loader, options with { ResumeFrom = copy.File("last.ckpt"), RunDirectory = copy.Path }, new[] { rec });
            var r = trainer.Fit();
            Assert.Equal(12, r.Steps);
            Assert.NotNull(m.Assignments);
            resumed.Add(rec.Steps.Select(s => s.Loss).ToList());
        }
        Assert.Equal(9, resumed[0].Count);
        Assert.All(resumed[0], l => Assert.True(double.IsFinite(l)));
        Assert.Equal(resumed[0], resumed[1]);
    }

    [Fact]
    public void Clear_errors()
    {
        using var data = Patterns(8);
        var loader = new Loader(data, 4, new StandInViewGenerator(), seed: 2);
        using var big = Tiny(k: 9);
        Assert.Contains("only 8 images", Assert.Throws<InvalidOperationException>(() => big.OnEpochStart(Context(loader))).Message);

        using var m = Tiny(k: 3);
        using var source = new StandInBatchSource();
        Assert.Contains("ISampledBatchSource", Assert.Throws<InvalidOperationException>(() => m.OnEpochStart(Context(source))).Message);

        using var batch = loader.CreateBatch(0, 0);
        Assert.Contains("no pseudo-labels yet", Assert.Throws<InvalidOperationException>(() => m.call(batch)).Message);
        m.OnEpochStart(Context(loader));
        using var noIndices = new ViewBatch(batch.Views);
        Assert.Contains("ViewBatch.Indices", Assert.Throws<ArgumentException>(() => m.call(noIndices)).Message);
        using var wrong = new ViewBatch(batch.Views, indices: torch.tensor(new long[] { 0, 1, 2, 8 }));
        Assert.Contains("covered 8 images", Assert.Throws<ArgumentException>(() => m.call(wrong)).Message);

        var backbone = new ConvNet(1, new[] { 8 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeepCluster(backbone, new DeepClusterOptions { NumClusters = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeepCluster(backbone, new DeepClusterOptions { TopLayerStd = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeepCluster(backbone, new DeepClusterOptions { ProjectorLayers = -1 }));
        backbone.Dispose();
    }

    [Fact]
    public void Registry_builds_it_from_settings()
    {
        Assert.Contains("deepcluster", MethodRegistry.Names);
        Assert.Equal("clustering", MethodRegistry.Describe("deepcluster").Family);
        var settings = new MethodSettings(new Dictionary<string, string>
        {
            ["num_clusters"] = "50", ["pca_dim"] = "32", ["kmeans_iterations"] = "5", ["kmeans_plus_plus"] = "true",
            ["hidden_dim"] = "64", ["projector_layers"] = "1", ["batch_norm"] = "true", ["seed"] = "3",
        });
        using var m = Assert.IsType<DeepCluster>(MethodRegistry.Create("deepcluster", new ConvNet(1, new[] { 8 }), settings));
        Assert.Equal(50, m.Clusters);
        Assert.Equal(32, m.PcaDim);
        Assert.Equal(5, m.KMeansIterations);
        Assert.Equal(KMeansInit.PlusPlus, m.KMeansInit);
        Assert.Empty(m.Projector!.HiddenDims);
        Assert.Equal(64, m.ClusteringDim);
        Assert.Equal(3, m.Seed);
        var bad = new MethodSettings(new Dictionary<string, string> { ["clusters"] = "5" });
        Assert.Contains("num_clusters", Assert.Throws<ArgumentException>(() => MethodRegistry.Create("deepcluster", new ConvNet(1, new[] { 8 }), bad)).Message);
    }
}
