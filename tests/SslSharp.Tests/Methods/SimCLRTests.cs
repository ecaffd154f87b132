using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Heads;
using SslSharp.Losses;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods;

public class SimCLRTests
{
    private static SimCLR Tiny(long seed = 0, double temperature = 0.5) =>
        new(new ConvNet(1, new[] { 8, 16, 32 }, seed: seed), new SimCLROptions { HiddenDim = 32, OutputDim = 16, Temperature = temperature, Seed = seed });

    private static ViewBatch TwoViews(long n, int size = 16, long seed = 0)
    {
        var g = new Generator((ulong)seed);
        var x = torch.randn(new long[] { n, 1, size, size }, generator: g);
        return new ViewBatch(new[]
        {
            x + 0.1 * torch.randn(x.shape, generator: g),
            x + 0.1 * torch.randn(x.shape, generator: g),
        });
    }

    [Fact]
    public void Defaults_follow_the_paper()
    {
        using var m = new SimCLR(ResNet.ResNet18(widthMultiplier: 0.125), new SimCLROptions());
        var head = Assert.IsType<ProjectionHead>(m.Projector);
        Assert.Equal(64, head.InputDim);
        Assert.Equal(new[] { 64 }, head.HiddenDims);   // hidden = feature width
        Assert.Equal(128, head.OutputDim);
        Assert.Equal(128, m.OutputDim);
        Assert.Equal(0.5, m.Temperature);
        Assert.Equal(2, m.MinimumBatchSize);
        using var v2 = new SimCLR(new ConvNet(1, new[] { 8 }), new SimCLROptions { ProjectorLayers = 3 });
        Assert.Equal(new[] { 8, 8 }, ((ProjectionHead)v2.Projector).HiddenDims);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimCLR(new ConvNet(1, new[] { 8 }), new SimCLROptions { ProjectorLayers = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimCLR(new ConvNet(1, new[] { 8 }), new SimCLROptions { Temperature = 0 }));
    }

    [Fact]
    public void Forward_returns_the_ntxent_of_the_projected_views_and_detached_view0_outputs()
    {
        using var m = Tiny(seed: 1);
        m.eval(); // fixed BN statistics so a hand-written forward gives the same numbers
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(6, seed: 2);
        var output = m.call(views);
        Assert.Equal(0, output.Loss.dim());
        Assert.True(output.Loss.requires_grad);
        Assert.Equal(new long[] { 6, 32 }, output.Features.shape);
        Assert.Equal(new long[] { 6, 16 }, output.Embeddings!.shape);
        Assert.False(output.Features.requires_grad);
        Assert.False(output.Embeddings.requires_grad);

        using var noGrad = torch.no_grad();
        var h = m.Encoder.call(torch.cat(new[] { views.Views[0], views.Views[1] }, 0));
        var z = m.Projector.call(h);
        var expected = NTXentLoss.Compute(z.narrow(0, 0, 6), z.narrow(0, 6, 6), 0.5);
        Assert.Equal(expected.item<float>(), output.Loss.item<float>(), 5);
        Assert.True(output.Features.allclose(h.narrow(0, 0, 6), rtol: 1e-5, atol: 1e-6));
        Assert.True(output.Embeddings.allclose(z.narrow(0, 0, 6), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Extra_views_are_ignored_only_the_first_two_global_views_count()
    {
        using var m = Tiny(seed: 3);
        using var scope = torch.NewDisposeScope();
        using var two = TwoViews(4, seed: 4);
        var local = torch.randn(4, 1, 8, 8);
        var four = new ViewBatch(new[] { two.Views[0], two.Views[1], torch.randn(4, 1, 16, 16), local }, globalCount: 3);
        float a = m.call(two).Loss.item<float>();
        float b = m.call(four).Loss.item<float>();
        Assert.Equal(a, b, 5);
    }

    [Fact]
    public void Too_small_batches_and_too_few_views_fail_clearly()
    {
        using var m = Tiny();
        using var scope = torch.NewDisposeScope();
        using var one = TwoViews(1);
        var ex = Assert.Throws<ArgumentException>(() => m.call(one));
        Assert.Contains("at least 2", ex.Message);
        var single = new ViewBatch(new[] { torch.randn(4, 1, 16, 16) });
        Assert.Throws<ArgumentException>(() => m.call(single));
        var oneGlobal = new ViewBatch(new[] { torch.randn(4, 1, 16, 16), torch.randn(4, 1, 8, 8) }, globalCount: 1);
        ex = Assert.Throws<ArgumentException>(() => m.call(oneGlobal));
        Assert.Contains("global", ex.Message);
    }

    [Fact]
    public void Gradient_reaches_every_backbone_and_projector_parameter()
    {
        using var m = Tiny(seed: 5);
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(8, seed: 6);
        m.call(views).Loss.backward();
        foreach (var (name, p) in m.named_parameters())
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(p.grad.abs().sum().item<float>() > 0, $"{name} has a zero gradient");
        }
        Assert.Contains(m.named_parameters(), np => np.name.StartsWith("backbone.blocks.0.conv", StringComparison.Ordinal));
        Assert.Contains(m.named_parameters(), np => np.name.StartsWith("projector.layers.3", StringComparison.Ordinal));
    }

    [Fact]
    public void Parameter_groups_put_biases_and_bn_in_the_no_decay_group()
    {
        using var m = Tiny();
        var groups = m.ParameterGroups();
        var byHandle = m.named_parameters().ToDictionary(np => np.parameter.Handle, np => np.name);
        var decay = groups.Single(g => g.WeightDecay).Parameters.Select(p => byHandle[p.Handle]).ToHashSet();
        var noDecay = groups.Single(g => !g.WeightDecay).Parameters.Select(p => byHandle[p.Handle]).ToHashSet();
        Assert.False(groups.Single(g => !g.WeightDecay).LarsAdaptation);
        Assert.Equal(byHandle.Count, decay.Count + noDecay.Count);
        Assert.Contains("backbone.blocks.0.conv.weight", decay);
        Assert.Contains("projector.layers.0.weight", decay);
        Assert.Contains("projector.layers.3.weight", decay);
        Assert.Contains("backbone.blocks.0.bn.weight", noDecay);
        Assert.Contains("backbone.blocks.0.bn.bias", noDecay);
        Assert.Contains("projector.layers.0.bias", noDecay);
        Assert.Contains("projector.layers.1.weight", noDecay);
        Assert.Contains("projector.layers.3.bias", noDecay);
        Assert.All(noDecay, n => Assert.True(n.EndsWith(".bias", StringComparison.Ordinal) || n.Contains(".bn.", StringComparison.Ordinal) || n.StartsWith("projector.layers.1.", StringComparison.Ordinal), n));
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        // 64 random 1x16x16 images; each step draws 32 of them and two noisy views of each.
        using var m = Tiny(seed: 7, temperature: 0.5);
        m.train();
        var g = new Generator(11);
        using var images = torch.randn(new long[] { 64, 1, 16, 16 }, generator: g);
        using var sgd = torch.optim.SGD(m.parameters(), 0.1, momentum: 0.9);
        var losses = new List<float>();
        for (int step = 0; step < 30; step++)
        {
            using var scope = torch.NewDisposeScope();
            var idx = torch.randperm(64, generator: g).narrow(0, 0, 32);
            var x = images.index_select(0, idx);
            using var views = new ViewBatch(new[]
            {
                x + 0.5 * torch.randn(x.shape, generator: g),
                x + 0.5 * torch.randn(x.shape, generator: g),
            });
            sgd.zero_grad();
            var output = m.call(views);
            output.Loss.backward();
            sgd.step();
            float loss = output.Loss.item<float>();
            Assert.True(float.IsFinite(loss), $"step {step}: loss {loss}");
            Assert.True(output.Features.isfinite().all().item<bool>(), $"step {step}: non-finite features");
            losses.Add(loss);
        }
        float first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(first > Math.Log(63) * 0.6, $"all: {string.Join(", ", losses.Select(l => l.ToString("F3")))}; " + $"initial loss {first} should be near ln(2N-1) = {Math.Log(63):F2}");
        Assert.True(last < first - 0.25, $"loss did not fall enough: first 5 mean {first}, last 5 mean {last}; all: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
        foreach (var (name, p) in m.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"{name} became non-finite");
    }

    [Fact]
    public void Several_processes_feed_the_global_batch_to_the_loss()
    {
        using var m = Tiny(seed: 8);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = TwoViews(4, seed: 9);
        float local = m.call(views).Loss.item<float>();
        // Another process's rows (rank 1 of 2) add negatives: the loss rises.
        var other = torch.randn(new long[] { 4, 16 }, generator: new Generator(3)) * 10;
        var group = new SslSharp.Tests.Distributed.TwoRankProcessGroup(0, other);
        m.ProcessGroup = group;
        float global = m.call(views).Loss.item<float>();
        Assert.Equal(2, group.Gathers);   // both views' embeddings
        Assert.True(global > local);
        // As rank 1 (its rows second) the same rows give the same loss.
        m.ProcessGroup = new SslSharp.Tests.Distributed.TwoRankProcessGroup(1, other);
        Assert.Equal(global, m.call(views).Loss.item<float>(), 4);
        // A group that puts the rows in the wrong order is caught by the loss when its value checks are on.
        m.ProcessGroup = new SslSharp.Tests.Distributed.TwoRankProcessGroup(0, other, misplace: true);
        using (SslSharp.Losses.LossChecks.DebugScope())
            Assert.Throws<ArgumentException>(() => m.call(views));
    }

    [Fact]
    public void Training_steps_leave_no_live_tensors_behind()
    {
        using var m = Tiny(seed: 10);
        using var sgd = torch.optim.SGD(m.parameters(), 0.05, momentum: 0.9);
        var g = new Generator(4);
        var live = new List<long>();
        for (int step = 0; step < 6; step++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                var x = torch.randn(new long[] { 8, 1, 16, 16 }, generator: g);
                using var views = new ViewBatch(new[] { x + torch.randn(x.shape, generator: g), x + torch.randn(x.shape, generator: g) });
                sgd.zero_grad();
                var output = m.call(views);
                output.Loss.backward();
                sgd.step();
            }
            live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        // The first steps create gradients and momentum buffers; after that the count must stay flat.
        Assert.True(live.Skip(2).Distinct().Count() == 1, $"live tensors per step: {string.Join(", ", live)}");
    }
}
