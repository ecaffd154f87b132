using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Diagnostics;
using SslSharp.Methods;
using SslSharp.Tests.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Diagnostics;

/// <summary>Runs alone: one test checks that torch's global generator does not move, which tests running in
/// parallel (drawing from that generator) would break.</summary>
[Collection("TrainerSerial")]
public class MethodRepresentationsTests
{
    private static SimCLR Tiny(long seed = 0) => new(new ConvNet(1, new[] { 8, 16 }, seed: seed), new SimCLROptions { HiddenDim = 16, OutputDim = 8, Seed = seed });

    [Fact]
    public void Reads_eval_mode_features_and_embeddings_and_leaves_modes_buffers_and_rng_alone()
    {
        using var scope = NewDisposeScope();
        using var method = Tiny(1);
        method.train();
        // Non-trivial BN running statistics, then a snapshot of every buffer and of the generator.
        using (no_grad()) method.call(new ViewBatch(new[] { randn(16, 1, 12, 12), randn(16, 1, 12, 12) }));
        var before = method.named_buffers().Select(b => b.buffer.clone()).ToList();
        torch.manual_seed(42);
        var rngBefore = get_rng_state();
        var images = DiagnosticsTestData.Images(40);
        var preprocess = EvalPreprocess.From(DiagnosticsTestData.Eval());

        using var reps = MethodRepresentations.Extract(method, images, preprocess, DiagnosticsTestData.Views(), batchSize: 16, seed: 5);

        Assert.True(method.training);
        Assert.True(method.Encoder.training);
        var after = method.named_buffers().Select(b => b.buffer).ToList();
        for (int i = 0; i < before.Count; i++) Assert.True(before[i].eq(after[i]).all().item<bool>(), $"buffer {i} changed");
        Assert.True(get_rng_state().eq(rngBefore).all().item<bool>(), "the global generator moved");

        method.eval();
        using (no_grad())
        {
            var x = preprocess(images.to(ScalarType.Float32).div(255));
            var h = method.Encoder.call(x);
            var z = method.Projector.call(h);
            Assert.True(reps.Features.allclose(h, rtol: 1e-5, atol: 1e-6));
            Assert.True(reps.Embeddings!.allclose(z, rtol: 1e-5, atol: 1e-6));
        }
        Assert.Equal(new long[] { 40, 8 }, reps.EmbeddingsViewA!.shape);
        Assert.Equal(new long[] { 40, 8 }, reps.EmbeddingsViewB!.shape);
        Assert.False(reps.EmbeddingsViewA.allclose(reps.EmbeddingsViewB), "the two augmented views should differ");

        // Same seed, same views.
        using var again = MethodRepresentations.Extract(method, images, preprocess, DiagnosticsTestData.Views(), batchSize: 16, seed: 5);
        Assert.True(again.EmbeddingsViewA!.allclose(reps.EmbeddingsViewA, rtol: 0, atol: 0));
    }

    [Fact]
    public void A_method_without_embeddings_gives_backbone_metrics_only()
    {
        using var scope = NewDisposeScope();
        using var method = new StandInMethod(new StandInBackbone(1, 12, 12, 10, seed: 2));
        using var reps = MethodRepresentations.Extract(method, DiagnosticsTestData.Images(30), views: DiagnosticsTestData.Views());
        Assert.Null(reps.Embeddings);
        Assert.Null(reps.EmbeddingsViewA);
        var result = DiagnosticsResult.Analyze(reps);
        Assert.Null(result.Embedding);
        var names = result.Metrics().Select(m => m.Key).ToList();
        Assert.Contains("rankme_backbone", names);
        Assert.Contains("alpha_req", names);
        Assert.DoesNotContain("rankme_embedding", names);
        Assert.DoesNotContain("embedding_std", names);
    }

    [Fact]
    public void Every_registered_method_gives_embeddings_for_any_batch_without_touching_its_state()
    {
        // Batches of 4 from 10 images leave a last batch of 2: no multiple of a queue, a whitening
        // size or anything else a training step needs, and no data-set indices (DeepCluster).
        var images = DiagnosticsTestData.Images(10);
        foreach (var name in MethodRegistry.Names)
        {
            using var scope = NewDisposeScope();
            var preset = SslSharp.Runs.MethodPresets.Find(name, "small")!;
            if (preset.Backbone is not null) continue;   // masked methods (ViT only) have no projector, so no embeddings
            var settings = new Dictionary<string, string>(preset.Options ?? new Dictionary<string, string>()) { ["seed"] = "1" };
            using var method = MethodRegistry.Create(name, new ConvNet(1, widthMultiplier: 0.25, seed: 1), new MethodSettings(settings));
            method.train();
            var before = method.named_buffers().Select(b => b.buffer.clone()).ToList();

            using var reps = MethodRepresentations.Extract(method, images, views: DiagnosticsTestData.Views(), batchSize: 4);

            Assert.Equal(new long[] { 10, method.Encoder.FeatureDim }, reps.Features.shape);
            Assert.True(reps.Embeddings is not null, $"{name} gives no embeddings");
            Assert.Equal(10, reps.Embeddings!.shape[0]);
            Assert.Equal(reps.Embeddings.shape, reps.EmbeddingsViewA!.shape);
            Assert.True(reps.Embeddings.isfinite().all().item<bool>(), $"{name}: non-finite embeddings");
            Assert.True(method.training, $"{name} was left in eval mode");
            var after = method.named_buffers().Select(b => b.buffer).ToList();
            for (int i = 0; i < before.Count; i++)
                Assert.True(before[i].eq(after[i]).all().item<bool>(), $"{name}: buffer {i} changed");
        }
    }
}
