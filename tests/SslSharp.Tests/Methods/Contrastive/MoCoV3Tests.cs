using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Contrastive;
using TorchSharp;
using static SslSharp.Tests.Methods.Contrastive.ContrastiveTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

public class MoCoV3Tests
{
    private static MoCoV3 Tiny(long seed = 0, double temperature = 0.2, double baseMomentum = 0.99, double finalMomentum = 1.0) =>
        new(TinyBackbone(seed), new MoCoV3Options { HiddenDim = 32, OutputDim = 16, Temperature = temperature, BaseMomentum = baseMomentum, FinalMomentum = finalMomentum, Seed = seed });

    [Fact]
    public void Defaults_follow_the_paper()
    {
        using var m = new MoCoV3(TinyBackbone(), new MoCoV3Options());
        Assert.Equal(1.0, m.Temperature);
        Assert.Equal(0.99, m.BaseMomentum);
        Assert.Equal(1.0, m.FinalMomentum);
        Assert.Equal(new[] { 4096 }, m.Projector.HiddenDims);   // ResNet projector: 2 layers
        Assert.Equal(256, m.Projector.OutputDim);
        Assert.Equal(new[] { 4096 }, m.Predictor.HiddenDims);
        Assert.Equal(256, m.Predictor.InputDim);
        Assert.DoesNotContain(m.named_parameters(), p => p.name.StartsWith("projector.", StringComparison.Ordinal) && p.name.EndsWith(".bias", StringComparison.Ordinal) && !p.name.StartsWith("projector.layers.1.", StringComparison.Ordinal));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MoCoV3(TinyBackbone(), new MoCoV3Options { Temperature = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MoCoV3(TinyBackbone(), new MoCoV3Options { FinalMomentum = 1.1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MoCoV3(TinyBackbone(), new MoCoV3Options { ProjectorLayers = 0 }));
    }

    [Fact]
    public void Forward_is_the_symmetric_loss_of_predicted_queries_against_momentum_keys()
    {
        using var m = Tiny(seed: 1);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(8, seed: 2);
        var output = m.call(views);
        Assert.True(output.Loss.requires_grad);
        Assert.Equal(new long[] { 8, 32 }, output.Features.shape);
        Assert.Equal(new long[] { 8, 16 }, output.Embeddings!.shape);
        using var noGrad = torch.no_grad();
        var q1 = m.Predictor.call(m.Projector.call(m.Encoder.call(views.Views[0])));
        var q2 = m.Predictor.call(m.Projector.call(m.Encoder.call(views.Views[1])));
        var k1 = m.MomentumEncoder.call(views.Views[0]);
        var k2 = m.MomentumEncoder.call(views.Views[1]);
        Assert.Equal(MoCoV3Loss.Compute(q1, q2, k1, k2, 0.2).item<float>(), output.Loss.item<float>(), 5);
        // Before any update the momentum encoder is an exact copy of backbone + projector.
        Assert.True(k1.allclose(m.Projector.call(m.Encoder.call(views.Views[0])), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Gradient_reaches_backbone_projector_and_predictor_but_not_the_momentum_encoder()
    {
        using var m = Tiny(seed: 3);
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(8, seed: 4);
        m.call(views).Loss.backward();
        AssertGradient(m.Encoder, "backbone");
        AssertGradient(m.Predictor, "predictor");
        // The projector's last BN has no parameters; every Linear and hidden BN gets a gradient.
        AssertGradient(m.Projector, "projector");
        foreach (var t in TeacherModules(m.MomentumEncoder)) AssertNoGradient(t, "momentum_encoder");
        int trainable = m.parameters().Count(p => p.requires_grad);
        Assert.Equal(m.Encoder.parameters().Count() + m.Projector.parameters().Count() + m.Predictor.parameters().Count(), trainable);
    }

    [Fact]
    public void Cosine_momentum_schedule_is_wired_into_the_step_hook()
    {
        using var m = Tiny();
        m.OnStepStart(new TrainingProgress(0, 200, 0, 20));
        Assert.Equal(0.99, m.MomentumEncoder.LastMomentum, 12);
        m.OnStepStart(new TrainingProgress(100, 200, 10, 20));
        Assert.Equal(0.995, m.MomentumEncoder.LastMomentum, 12);
        m.OnStepStart(new TrainingProgress(199, 200, 19, 20));
        Assert.Equal(1 - 0.01 * (1 + Math.Cos(Math.PI * 199 / 200)) / 2, m.MomentumEncoder.LastMomentum, 12);
        Assert.True(m.MomentumEncoder.LastMomentum > 0.99999);
        m.OnStepStart(new TrainingProgress(200, 200, 20, 20));
        Assert.Equal(1.0, m.MomentumEncoder.LastMomentum, 12);

        // Momentum 1 leaves the teacher where it is even after the student moved.
        var before = TeacherParameters(m.MomentumEncoder).Select(p => p.clone()).ToList();
        Perturb(m.Encoder);
        m.OnStepStart(new TrainingProgress(200, 200, 20, 20));
        foreach (var (t, b) in TeacherParameters(m.MomentumEncoder).Zip(before)) Assert.True(t.allclose(b, 0, 0));
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Tiny(seed: 7, temperature: 0.2);
        var losses = Train(m, 30, batch: 16, lr: 0.05);
        float first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(last < first - 0.1, $"loss did not fall: first 5 mean {first}, last 5 mean {last}; all: {Describe(losses)}");
        Assert.True(m.MomentumEncoder.LastMomentum is > 0.99 and <= 1);
    }

    [Fact]
    public void Checkpoint_round_trip_restores_the_momentum_encoder()
    {
        var keys = CheckpointRoundTrip(seed => Tiny(seed));
        Assert.Contains(keys, k => k.StartsWith("momentum_encoder.backbone.module.", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("momentum_encoder.projector.module.layers.4.running_mean", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("predictor.layers.3.weight", StringComparison.Ordinal));
    }

    [Fact]
    public void Several_processes_add_the_other_processes_keys_as_negatives()
    {
        using var m = Tiny(seed: 8);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(4, seed: 9);
        float local = m.call(views).Loss.item<float>();
        // Rank 1 of 2: another process's keys come first, this process's keys start at row 4.
        var other = torch.randn(new long[] { 4, 16 }, generator: new Generator(3));
        var group = new SslSharp.Tests.Distributed.TwoRankProcessGroup(1, other);
        m.ProcessGroup = group;
        var output = m.call(views);
        Assert.Equal(2, group.Gathers);   // the keys of both views
        Assert.True(output.Loss.item<float>() > local, "more negatives should raise the loss");
        output.Loss.backward();
        foreach (var t in TeacherModules(m.MomentumEncoder)) AssertNoGradient(t, "momentum_encoder");
        // The same keys as rank 0 (this process's rows first) give the same loss: only the label offset moved.
        m.ProcessGroup = new SslSharp.Tests.Distributed.TwoRankProcessGroup(0, other);
        Assert.Equal(output.Loss.item<float>(), m.call(views).Loss.item<float>(), 5);
    }

    [Fact]
    public void Bad_batches_fail_with_clear_messages()
    {
        using var m = Tiny();
        AssertRejectsBadViews(m);
    }

    [Fact]
    public void Registry_builds_it_from_settings()
    {
        var settings = new MethodSettings(new Dictionary<string, string>
        {
            ["temperature"] = "0.2", ["hidden_dim"] = "24", ["output_dim"] = "8", ["predictor_hidden_dim"] = "12",
            ["projector_layers"] = "3", ["base_momentum"] = "0.996", ["final_momentum"] = "1", ["seed"] = "2",
        });
        using var m = Assert.IsType<MoCoV3>(MethodRegistry.Create("mocov3", TinyBackbone(), settings));
        Assert.Equal(0.2, m.Temperature);
        Assert.Equal(new[] { 24, 24 }, m.Projector.HiddenDims);
        Assert.Equal(new[] { 12 }, m.Predictor.HiddenDims);
        Assert.Equal(0.996, m.BaseMomentum);
        Assert.Equal("contrastive", MethodRegistry.Describe("mocov3").Family);
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("mocov3", TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["queue_size"] = "8" })));
        Assert.Contains("queue_size", ex.Message);
    }
}
