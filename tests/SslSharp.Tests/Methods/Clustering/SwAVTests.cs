using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Clustering;
using TorchSharp;
using static SslSharp.Tests.Methods.Correlation.CorrSwavTestData;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Clustering;

public class SwAVTests
{
    private static SwAV Tiny(long seed = 0, int queueLength = 0, int queueStartEpoch = 0, int freeze = 0, int k = 20) =>
        new(Backbone(seed), new SwAVOptions { HiddenDim = 32, OutputDim = 16, Prototypes = k, QueueLength = queueLength, QueueStartEpoch = queueStartEpoch, FreezePrototypesSteps = freeze, Seed = seed });

    private static TrainingProgress Progress(long step, int epoch = 0) => new(step, 100, epoch, 10);

    [Fact]
    public void Defaults_follow_the_reference_and_the_registry_builds_it()
    {
        using var m = new SwAV(Backbone(), new SwAVOptions());
        Assert.Equal(3000, m.Prototypes.Count);
        Assert.Equal(128, m.Prototypes.Dim);
        Assert.Equal(new[] { 2048 }, m.Projector.HiddenDims);
        Assert.Equal((0.1, 0.05, 3), (m.Temperature, m.Epsilon, m.SinkhornIterations));
        Assert.Equal((0, 15, 313), (m.QueueLength, m.QueueStartEpoch, m.FreezePrototypesSteps));
        Assert.Empty(m.Queues);
        Assert.DoesNotContain(m.state_dict().Keys, k => k.StartsWith("queue", StringComparison.Ordinal));
        Assert.Contains("prototypes.weight", m.state_dict().Keys);

        var settings = new MethodSettings(new Dictionary<string, string>
        {
            ["hidden_dim"] = "16", ["output_dim"] = "8", ["prototypes"] = "30", ["queue_length"] = "64", ["queue_start_epoch"] = "2",
            ["freeze_prototypes_steps"] = "5", ["temperature"] = "0.2", ["epsilon"] = "0.03", ["sinkhorn_iterations"] = "4",
        });
        using var built = Assert.IsType<SwAV>(MethodRegistry.Create("swav", Backbone(), settings));
        Assert.Equal((30, 64, 2, 5), (built.Prototypes.Count, built.QueueLength, built.QueueStartEpoch, built.FreezePrototypesSteps));
        Assert.Equal((0.2, 0.03, 4), (built.Temperature, built.Epsilon, built.SinkhornIterations));
        Assert.Equal(2, built.Queues.Count);
        Assert.Contains("queue.0.items", built.state_dict().Keys);
        Assert.Contains("queue.1.pointer", built.state_dict().Keys);
        Assert.Equal("clustering", MethodRegistry.Describe("swav").Family);
        Assert.Throws<ArgumentException>(() => MethodRegistry.Create("swav", Backbone(),
            new MethodSettings(new Dictionary<string, string> { ["lambda"] = "1" })));
    }

    [Fact]
    public void Bad_settings_fail_clearly()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SwAV(Backbone(), new SwAVOptions { HiddenDim = 8, OutputDim = 8, Prototypes = 4, Temperature = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SwAV(Backbone(), new SwAVOptions { HiddenDim = 8, OutputDim = 8, Prototypes = 4, Epsilon = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SwAV(Backbone(), new SwAVOptions { HiddenDim = 8, OutputDim = 8, Prototypes = 4, SinkhornIterations = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SwAV(Backbone(), new SwAVOptions { HiddenDim = 8, OutputDim = 8, Prototypes = 4, QueueLength = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SwAV(Backbone(), new SwAVOptions { HiddenDim = 8, OutputDim = 8, Prototypes = 4, FreezePrototypesSteps = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SwAV(Backbone(), new SwAVOptions { HiddenDim = 8, OutputDim = 8, Prototypes = 0 }));
    }

    [Fact]
    public void Prototypes_are_normalised_at_construction_and_before_every_step()
    {
        using var m = Tiny(seed: 1);
        using var scope = torch.NewDisposeScope();
        Assert.True(m.Prototypes.Weight.detach().norm(1).allclose(torch.ones(20), rtol: 1e-5, atol: 1e-5));
        using (torch.no_grad()) m.Prototypes.Weight.mul_(3.0);
        m.OnStepStart(Progress(0));
        Assert.True(m.Prototypes.Weight.detach().norm(1).allclose(torch.ones(20), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Forward_is_the_swav_loss_of_all_crops_scored_against_the_prototypes()
    {
        using var m = Tiny(seed: 2);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(6, seed: 3, locals: 2);
        var output = m.call(views);
        Assert.True(output.Loss.requires_grad);
        Assert.Equal(new long[] { 6, 32 }, output.Features.shape);
        Assert.Equal(new long[] { 6, 16 }, output.Embeddings!.shape);
        Assert.True(output.Embeddings.norm(1).allclose(torch.ones(6), rtol: 1e-5, atol: 1e-5));
        using var noGrad = torch.no_grad();
        var scores = views.Views.Select(v => m.Prototypes.call(nn.functional.normalize(m.Projector.call(m.Encoder.call(v)), p: 2, dim: 1))).ToArray();
        Assert.Equal(SwAVLoss.Compute(scores).item<float>(), output.Loss.item<float>(), 4);
        Assert.True(output.Features.allclose(m.Encoder.call(views.Views[0]), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Gradient_reaches_every_parameter_but_not_the_queue()
    {
        using var m = Tiny(seed: 4, queueLength: 8);
        using var scope = torch.NewDisposeScope();
        using (var views = RandomViews(8, seed: 5))
        {
            m.call(views);
            m.OnAfterOptimizerStep(Progress(0));   // the queue (length = one batch) is now full
        }
        Assert.All(m.Queues, q => Assert.True(q.IsFull));
        using var next = RandomViews(8, seed: 6, locals: 1);
        m.call(next).Loss.backward();
        AssertEveryParameterHasGradient(m);
        Assert.All(m.buffers(), b => Assert.False(b.requires_grad));
    }

    [Fact]
    public void Frozen_prototypes_get_no_update_in_the_first_steps_then_train()
    {
        using var m = Tiny(seed: 5, freeze: 3);
        var snapshots = new List<Tensor>();
        Train(m, steps: 5, lr: 0.1, afterStep: step => snapshots.Add(m.Prototypes.Weight.detach().clone().DetachFromDisposeScope()));
        // Steps 0-2: the rows are only re-normalised (already unit), so the weight does not move.
        var atFreezeStart = snapshots[0];
        for (int s = 1; s < 3; s++)
            Assert.True(snapshots[s].allclose(atFreezeStart, rtol: 1e-6, atol: 1e-6), $"prototypes moved at frozen step {s}");
        Assert.False(snapshots[3].allclose(snapshots[2], rtol: 1e-4, atol: 1e-5), "prototypes did not train after the freeze");
        foreach (var t in snapshots) t.Dispose();
    }

    [Fact]
    public void The_queue_fills_from_the_start_epoch_and_is_used_once_full()
    {
        // Batch 8, queue 16: nothing is enqueued in epoch 0, two steps of epoch 1 fill it.
        using var m = Tiny(seed: 6, queueLength: 16, queueStartEpoch: 1);
        using var scope = torch.NewDisposeScope();
        for (int step = 0; step < 4; step++)
        {
            int epoch = step / 2;
            using var views = RandomViews(8, seed: 10 + step);
            m.OnStepStart(Progress(step, epoch));
            m.call(views);
            m.OnAfterOptimizerStep(Progress(step, epoch));
            long expected = epoch == 0 ? 0 : 8 * (step - 1);
            Assert.All(m.Queues, q => Assert.Equal(expected, q.Count));
        }
        Assert.All(m.Queues, q => Assert.True(q.IsFull));
        // The queued rows are the normalised embeddings of the two global crops (different per crop).
        Assert.True(m.Queues[0].Items.norm(1).allclose(torch.ones(16), rtol: 1e-5, atol: 1e-5));
        Assert.False(m.Queues[0].Items.allclose(m.Queues[1].Items, rtol: 1e-3, atol: 1e-3));

        // Now the loss uses the queue: it equals SwAVLoss with the queue's scores and differs from the loss without.
        m.eval();
        using var test = RandomViews(8, seed: 99);
        float withQueue = m.call(test).Loss.item<float>();
        using var noGrad = torch.no_grad();
        var scores = test.Views.Select(v => m.Prototypes.call(nn.functional.normalize(m.Projector.call(m.Encoder.call(v)), p: 2, dim: 1))).ToArray();
        var queueScores = m.Queues.Select(q => (Tensor?)m.Prototypes.call(q.Items)).ToArray();
        Assert.Equal(SwAVLoss.Compute(scores, queueScores: queueScores).item<float>(), withQueue, 4);
        Assert.NotEqual(SwAVLoss.Compute(scores).item<float>(), withQueue, 4);
    }

    [Fact]
    public void Trains_with_multi_crop_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Tiny(seed: 7, freeze: 2);
        var losses = Train(m, steps: 30, lr: 0.1, locals: 2);
        AssertFalls(losses, 0.1);
    }

    [Fact]
    public void Trains_with_the_queue_loss_stays_finite()
    {
        using var m = Tiny(seed: 8, queueLength: 64, queueStartEpoch: 1);
        var losses = Train(m, steps: 20, lr: 0.1, stepsPerEpoch: 4);
        Assert.All(m.Queues, q => Assert.True(q.IsFull));
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
    }

    [Fact]
    public void Checkpoint_round_trip_includes_the_queues()
    {
        using var a = Tiny(seed: 9, queueLength: 64, queueStartEpoch: 0);
        Train(a, steps: 3, lr: 0.1);
        Assert.True(a.Queues[0].IsFull && a.Queues[1].IsFull);
        using var b = Tiny(seed: 10, queueLength: 64, queueStartEpoch: 0);
        RoundTrip(a, b);
        Assert.Equal(a.Queues[0].Count, b.Queues[0].Count);
        Assert.True(b.Queues[1].Items.allclose(a.Queues[1].Items, 0, 0));
        a.eval();
        b.eval();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(32, seed: 1);
        Assert.Equal(a.call(views).Loss.item<float>(), b.call(views).Loss.item<float>(), 5);
    }

    [Fact]
    public void Batch_of_one_single_global_view_and_a_queue_that_does_not_fit_the_batch_fail_clearly()
    {
        using var m = Tiny(queueLength: 20);
        using var scope = torch.NewDisposeScope();
        using var one = RandomViews(1, seed: 0);
        var ex = Assert.Throws<ArgumentException>(() => m.call(one));
        Assert.Contains("at least 2", ex.Message);
        using var single = new ViewBatch(new[] { torch.randn(4, 1, 16, 16), torch.randn(4, 1, 8, 8) }, globalCount: 1);
        ex = Assert.Throws<ArgumentException>(() => m.call(single));
        Assert.Contains("global", ex.Message);
        using var eight = RandomViews(8, seed: 1);
        ex = Assert.Throws<ArgumentException>(() => m.call(eight));
        Assert.Contains("multiple of the batch", ex.Message);
    }
}
