using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Contrastive;
using TorchSharp;
using static SslSharp.Tests.Methods.Contrastive.ContrastiveTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

public class MoCoV2Tests
{
    private static MoCoV2 Tiny(long seed = 0, int queueSize = 64, bool symmetric = false, double baseMomentum = 0.99, double? finalMomentum = null) =>
        new(TinyBackbone(seed), new MoCoV2Options { HiddenDim = 32, OutputDim = 16, Temperature = 0.2, QueueSize = queueSize, BaseMomentum = baseMomentum, FinalMomentum = finalMomentum, Symmetric = symmetric, Seed = seed });

    private static Tensor Keys(MoCoV2 m, Tensor x) => nn.functional.normalize(m.MomentumEncoder.call(x), dim: 1);

    [Fact]
    public void Defaults_follow_the_paper()
    {
        using var m = new MoCoV2(TinyBackbone(), new MoCoV2Options());
        Assert.Equal(0.2, m.Temperature);
        Assert.Equal(65536, m.Queue.Size);
        Assert.Equal(128, m.Queue.Dim);
        Assert.Equal(0.999, m.BaseMomentum);
        Assert.Equal(0.999, m.FinalMomentum);
        Assert.False(m.Symmetric);
        Assert.Equal(new[] { 32 }, m.Projector.HiddenDims);   // hidden = feature width
        Assert.Equal(128, m.Projector.OutputDim);
        Assert.DoesNotContain(m.Projector.state_dict().Keys, k => k.Contains("running", StringComparison.Ordinal)); // no BN
        // The queue starts as unit-norm noise.
        Assert.True(m.Queue.Items.norm(1).allclose(torch.ones(65536), atol: 1e-5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MoCoV2(TinyBackbone(), new MoCoV2Options { QueueSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MoCoV2(TinyBackbone(), new MoCoV2Options { Temperature = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MoCoV2(TinyBackbone(), new MoCoV2Options { BaseMomentum = 1.5 }));
    }

    [Fact]
    public void Forward_is_the_moco_loss_of_view0_queries_against_view1_keys_and_the_queue()
    {
        using var m = Tiny(seed: 1);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(8, seed: 2);
        var queueBefore = m.Queue.Items.clone();
        var output = m.call(views);
        Assert.True(output.Loss.requires_grad);
        Assert.Equal(new long[] { 8, 32 }, output.Features.shape);
        Assert.Equal(new long[] { 8, 16 }, output.Embeddings!.shape);
        Assert.False(output.Features.requires_grad || output.Embeddings.requires_grad);

        using var noGrad = torch.no_grad();
        var q = m.Projector.call(m.Encoder.call(views.Views[0]));
        var k = Keys(m, views.Views[1]);
        Assert.Equal(MoCoLoss.Compute(q, k, queueBefore, 0.2).item<float>(), output.Loss.item<float>(), 5);
        // The forward leaves the queue alone; the keys go in after the optimizer step.
        Assert.True(m.Queue.Items.allclose(queueBefore, 0, 0));
        m.OnAfterOptimizerStep(new TrainingProgress(0, 10, 0, 10));
        Assert.True(m.Queue.Items.narrow(0, 0, 8).allclose(k, rtol: 1e-5, atol: 1e-6));
        Assert.True(m.Queue.Items.narrow(0, 8, 56).allclose(queueBefore.narrow(0, 8, 56), 0, 0));
        Assert.Equal(8, m.Queue.Count);
        // A second hook call without a forward enqueues nothing.
        m.OnAfterOptimizerStep(new TrainingProgress(1, 10, 0, 10));
        Assert.Equal(8, m.Queue.Count);
    }

    [Fact]
    public void Symmetric_variant_averages_both_directions_and_enqueues_both_key_sets()
    {
        using var m = Tiny(seed: 3, symmetric: true);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(8, seed: 4);
        var queue = m.Queue.Items.clone();
        float loss = m.call(views).Loss.item<float>();
        using var noGrad = torch.no_grad();
        var q1 = m.Projector.call(m.Encoder.call(views.Views[0]));
        var q2 = m.Projector.call(m.Encoder.call(views.Views[1]));
        var k1 = Keys(m, views.Views[0]);
        var k2 = Keys(m, views.Views[1]);
        float expected = 0.5f * (MoCoLoss.Compute(q1, k2, queue, 0.2).item<float>() + MoCoLoss.Compute(q2, k1, queue, 0.2).item<float>());
        Assert.Equal(expected, loss, 5);
        m.OnAfterOptimizerStep(new TrainingProgress(0, 10, 0, 10));
        Assert.Equal(16, m.Queue.Count);
        Assert.True(m.Queue.Items.narrow(0, 0, 16).allclose(torch.cat(new[] { k1, k2 }, 0), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Gradient_reaches_the_query_encoder_only()
    {
        using var m = Tiny(seed: 5);
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(8, seed: 6);
        m.call(views).Loss.backward();
        AssertGradient(m.Encoder, "backbone");
        AssertGradient(m.Projector, "projector");
        foreach (var t in TeacherModules(m.MomentumEncoder)) AssertNoGradient(t, "momentum_encoder");
        Assert.False(m.Queue.Items.requires_grad);
        Assert.All(m.ParameterGroups().SelectMany(g => g.Parameters), p => Assert.True(p.requires_grad));
        int trainable = m.parameters().Count(p => p.requires_grad);
        Assert.Equal(trainable, m.ParameterGroups().Sum(g => g.Parameters.Count));
        Assert.Equal(m.Encoder.parameters().Count() + m.Projector.parameters().Count(), trainable);
    }

    [Fact]
    public void Momentum_schedule_is_wired_into_the_step_hook()
    {
        // Constant by default (paper): 0.999 at step 0 and at the end.
        using var c = new MoCoV2(TinyBackbone(), new MoCoV2Options { HiddenDim = 8, OutputDim = 4, QueueSize = 8 });
        c.OnStepStart(new TrainingProgress(0, 100, 0, 10));
        Assert.Equal(0.999, c.MomentumEncoder.LastMomentum, 12);
        c.OnStepStart(new TrainingProgress(99, 100, 9, 10));
        Assert.Equal(0.999, c.MomentumEncoder.LastMomentum, 12);
        // Cosine when the end differs (solo-learn 0.99 -> 0.999).
        using var m = Tiny(baseMomentum: 0.99, finalMomentum: 0.999);
        m.OnStepStart(new TrainingProgress(0, 100, 0, 10));
        Assert.Equal(0.99, m.MomentumEncoder.LastMomentum, 12);
        m.OnStepStart(new TrainingProgress(50, 100, 5, 10));
        Assert.Equal(0.9945, m.MomentumEncoder.LastMomentum, 12);
        m.OnStepStart(new TrainingProgress(100, 100, 10, 10));
        Assert.Equal(0.999, m.MomentumEncoder.LastMomentum, 12);
    }

    [Fact]
    public void Key_encoder_follows_the_query_encoder_by_the_momentum()
    {
        using var frozen = Tiny(baseMomentum: 1.0);
        var before = TeacherParameters(frozen.MomentumEncoder).Select(p => p.clone()).ToList();
        Perturb(frozen.Encoder);
        Perturb(frozen.Projector);
        frozen.OnStepStart(new TrainingProgress(3, 10, 0, 10));
        foreach (var (t, b) in TeacherParameters(frozen.MomentumEncoder).Zip(before)) Assert.True(t.allclose(b, 0, 0));

        using var m = Tiny(baseMomentum: 0.75);
        var t0 = TeacherParameters(m.MomentumEncoder).Select(p => p.clone()).ToList();
        Perturb(m.Encoder);
        Perturb(m.Projector);
        m.OnStepStart(new TrainingProgress(3, 10, 0, 10));
        var students = m.Encoder.parameters().Concat(m.Projector.parameters()).ToList();
        Assert.Equal(students.Count, t0.Count);
        foreach (var ((t, old), s) in TeacherParameters(m.MomentumEncoder).Zip(t0).Zip(students))
            Assert.True(t.allclose(old * 0.75 + s * 0.25, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Tiny(seed: 7, queueSize: 64);
        var losses = Train(m, 40, batch: 16, lr: 0.1);
        // The first 4 steps fill the queue with real keys (the loss rises from the noise-queue value);
        // compare the steps after that with the end.
        float early = losses.Skip(4).Take(5).Average(), late = losses.TakeLast(5).Average();
        Assert.True(late < early - 0.2, $"loss did not fall: steps 4-8 mean {early}, last 5 mean {late}; all: {Describe(losses)}");
        Assert.Equal(64, m.Queue.Count);
    }

    [Fact]
    public void Checkpoint_round_trip_restores_teacher_and_queue()
    {
        var keys = CheckpointRoundTrip(seed => Tiny(seed, queueSize: 64));
        Assert.Contains("queue.items", keys);
        Assert.Contains("queue.pointer", keys);
        Assert.Contains(keys, k => k.StartsWith("momentum_encoder.backbone.module.", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("momentum_encoder.projector.module.layers.2.weight", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_batches_fail_with_clear_messages()
    {
        using var m = Tiny(queueSize: 10);
        using var scope = torch.NewDisposeScope();
        using var four = TwoViews(4);
        var ex = Assert.Throws<ArgumentException>(() => m.call(four));
        Assert.Contains("queue of 10", ex.Message);
        Assert.Contains("multiple of", ex.Message);
        Assert.Contains("queue_size=8", ex.Message);
        using var ok = Tiny(queueSize: 12);
        ok.call(four);
        using var sym = Tiny(queueSize: 12, symmetric: true);
        ex = Assert.Throws<ArgumentException>(() => sym.call(four));
        Assert.Contains("8 keys per step", ex.Message);

        AssertRejectsBadViews(ok);
    }

    [Fact]
    public void Registry_builds_it_from_settings()
    {
        var settings = new MethodSettings(new Dictionary<string, string>
        {
            ["temperature"] = "0.1", ["queue_size"] = "256", ["hidden_dim"] = "24", ["output_dim"] = "8",
            ["base_momentum"] = "0.99", ["final_momentum"] = "0.999", ["symmetric"] = "true", ["seed"] = "3",
        });
        using var m = Assert.IsType<MoCoV2>(MethodRegistry.Create("mocov2", TinyBackbone(), settings));
        Assert.Equal(0.1, m.Temperature);
        Assert.Equal(256, m.Queue.Size);
        Assert.Equal(8, m.Queue.Dim);
        Assert.Equal(new[] { 24 }, m.Projector.HiddenDims);
        Assert.Equal(0.999, m.FinalMomentum);
        Assert.True(m.Symmetric);
        Assert.Equal("contrastive", MethodRegistry.Describe("mocov2").Family);
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("mocov2", TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["queue"] = "8" })));
        Assert.Contains("queue_size", ex.Message);
    }
}
