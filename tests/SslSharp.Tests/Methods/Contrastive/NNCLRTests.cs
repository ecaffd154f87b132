using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Contrastive;
using TorchSharp;
using static SslSharp.Tests.Methods.Contrastive.ContrastiveTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

public class NNCLRTests
{
    private static NNCLR Tiny(long seed = 0, int queueSize = 64, double temperature = 0.1) =>
        new(TinyBackbone(seed), new NNCLROptions { HiddenDim = 32, OutputDim = 16, PredictorHiddenDim = 32, Temperature = temperature, QueueSize = queueSize, Seed = seed });

    [Fact]
    public void Defaults_follow_the_paper()
    {
        using var m = new NNCLR(TinyBackbone(), new NNCLROptions());
        Assert.Equal(0.1, m.Temperature);
        Assert.Equal(65536, m.Queue.Size);
        Assert.Equal(256, m.Queue.Dim);
        Assert.Equal(new[] { 2048, 2048 }, m.Projector.HiddenDims);
        Assert.Equal(256, m.Projector.OutputDim);
        Assert.Equal(new[] { 4096 }, m.Predictor.HiddenDims);
        Assert.True(m.Queue.Items.norm(1).allclose(torch.ones(65536), atol: 1e-5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NNCLR(TinyBackbone(), new NNCLROptions { QueueSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NNCLR(TinyBackbone(), new NNCLROptions { Temperature = 0 }));
    }

    [Fact]
    public void Forward_is_the_nnclr_loss_against_the_support_queue_and_z1_is_enqueued_after_the_step()
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
        using (torch.no_grad())
        {
            var z1 = m.Projector.call(m.Encoder.call(views.Views[0]));
            var z2 = m.Projector.call(m.Encoder.call(views.Views[1]));
            var expected = NNCLRLoss.Compute(z1, z2, m.Predictor.call(z1), m.Predictor.call(z2), queueBefore, 0.1);
            Assert.Equal(expected.item<float>(), output.Loss.item<float>(), 5);
            Assert.True(m.Queue.Items.allclose(queueBefore, 0, 0));
            m.OnAfterOptimizerStep(new TrainingProgress(0, 10, 0, 10));
            Assert.True(m.Queue.Items.narrow(0, 0, 8).allclose(nn.functional.normalize(z1, dim: 1), rtol: 1e-5, atol: 1e-6));
            Assert.Equal(8, m.Queue.Count);
        }
        // Once z1 is in the support set, view 0's nearest neighbours are its own embeddings.
        using (torch.no_grad())
        {
            var z1 = m.Projector.call(m.Encoder.call(views.Views[0]));
            Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), NNCLRLoss.NearestNeighbourIndices(z1, m.Queue.Items).data<long>().ToArray());
        }
    }

    [Fact]
    public void Gradient_reaches_backbone_projector_and_predictor_but_not_the_support_queue()
    {
        using var m = Tiny(seed: 3);
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(8, seed: 4);
        m.call(views).Loss.backward();
        AssertGradient(m.Encoder, "backbone");
        AssertGradient(m.Projector, "projector");
        AssertGradient(m.Predictor, "predictor");
        Assert.False(m.Queue.Items.requires_grad);
        Assert.All(m.Queue.buffers(), b => Assert.False(b.requires_grad));
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Tiny(seed: 7, queueSize: 64, temperature: 0.2);
        var losses = Train(m, 30, batch: 16, lr: 0.05);
        // The first 4 steps replace the noise queue with real embeddings; compare after that.
        float early = losses.Skip(4).Take(5).Average(), late = losses.TakeLast(5).Average();
        Assert.True(late < early - 0.1, $"loss did not fall: steps 4-8 mean {early}, last 5 mean {late}; all: {Describe(losses)}");
        Assert.True(m.Queue.IsFull);
    }

    [Fact]
    public void Checkpoint_round_trip_restores_the_support_queue()
    {
        var keys = CheckpointRoundTrip(seed => Tiny(seed, queueSize: 64));
        Assert.Contains("queue.items", keys);
        Assert.Contains("queue.pointer", keys);
        Assert.Contains("queue.filled", keys);
    }

    [Fact]
    public void Bad_batches_fail_with_clear_messages()
    {
        using var m = Tiny(queueSize: 20);
        using var scope = torch.NewDisposeScope();
        using var eight = TwoViews(8);
        var ex = Assert.Throws<ArgumentException>(() => m.call(eight));
        Assert.Contains("queue of 20", ex.Message);
        Assert.Contains("queue_size=16", ex.Message);
        using var ok = Tiny(queueSize: 16);
        AssertRejectsBadViews(ok);
    }

    [Fact]
    public void Registry_builds_it_from_settings()
    {
        var settings = new MethodSettings(new Dictionary<string, string>
        {
            ["temperature"] = "0.2", ["queue_size"] = "128", ["hidden_dim"] = "24", ["output_dim"] = "8",
            ["predictor_hidden_dim"] = "12", ["seed"] = "5",
        });
        using var m = Assert.IsType<NNCLR>(MethodRegistry.Create("nnclr", TinyBackbone(), settings));
        Assert.Equal(0.2, m.Temperature);
        Assert.Equal(128, m.Queue.Size);
        Assert.Equal(8, m.Queue.Dim);
        Assert.Equal(new[] { 12 }, m.Predictor.HiddenDims);
        Assert.Equal("contrastive", MethodRegistry.Describe("nnclr").Family);
        var ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("nnclr", TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["momentum"] = "0.9" })));
        Assert.Contains("momentum", ex.Message);
    }
}
