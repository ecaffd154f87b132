using SslSharp.Core;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Evaluation.Probes;
using SslSharp.Heads;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Probes;

public class GuillotineTests
{
    [Fact]
    public void Projector_layers_end_with_the_projector_output_for_heads_and_sequentials()
    {
        using var scope = NewDisposeScope();
        using var head = ProjectionHead.SimCLRv2(8, 16, 4, seed: 1);
        head.eval();
        var x = randn(5, 8, generator: new Generator(2));
        var layers = Guillotine.ProjectorLayers(head, x);
        Assert.Equal(new[] { "0 Linear", "1 BatchNorm1d", "2 ReLU", "3 Linear", "4 BatchNorm1d", "5 ReLU", "6 Linear", "7 BatchNorm1d" },
            layers.Select(l => l.Name));
        Assert.True(layers[^1].Output.allclose(head.call(x), 0, 0));
        Assert.Equal(new long[] { 5, 16 }, layers[2].Output.shape);
        Assert.True(layers[2].Output.ge(0).all().item<bool>()); // after the ReLU

        using var seq = nn.Sequential(("fc", nn.Linear(8, 3)), ("act", nn.Tanh()));
        var s = Guillotine.ProjectorLayers(seq, x);
        Assert.Equal(new[] { "fc Linear", "act Tanh" }, s.Select(l => l.Name));
        Assert.True(s[1].Output.allclose(seq.call(x), 0, 0));

        using var other = nn.Linear(8, 3);
        Assert.Equal("output", Assert.Single(Guillotine.ProjectorLayers(other, x)).Name);
    }

    [Fact]
    public void Scores_the_backbone_and_every_projector_layer_without_changing_either()
    {
        using var scope = NewDisposeScope();
        var (train, trainLabels) = ClassImages.Make(120, 1);
        var (test, testLabels) = ClassImages.Make(40, 2);
        using var backbone = new StandInBackbone(1, 6, 6, 12, seed: 3);
        using var projector = ProjectionHead.SimCLRv1(12, 10, 4, seed: 4);
        backbone.train();
        projector.train();
        var before = backbone.parameters().Concat(projector.parameters()).Select(p => p.detach().clone()).ToList();
        long done = 0, total = 0;

        var r = Guillotine.Evaluate(backbone, projector, train, trainLabels, test, testLabels, null,
            new KnnOptions { Ks = [5] }, new LinearProbeOptions { Epochs = 20, BatchSize = 32 }, (d, t) => (done, total) = (d, t));

        Assert.Equal(new[] { "backbone", "projector.0 Linear", "projector.1 BatchNorm1d", "projector.2 ReLU", "projector.3 Linear" },
            r.Layers.Select(l => l.Name));
        Assert.Equal(new[] { 12, 10, 10, 10, 4 }, r.Layers.Select(l => l.Width));
        Assert.All(r.Layers, l => Assert.Equal(40, l.Linear.TestCount));
        // The class is one bright image row: linearly readable from the backbone's linear features.
        Assert.True(r.Layers[0].Linear.Top1 > 0.9, r.Layers[0].Linear.ToString());
        Assert.Contains(r.BestLinear, r.Layers);
        Assert.Equal(total, done);
        Assert.Equal(160 + 5 * 4 * 20, total);
        Assert.True(backbone.training && projector.training);
        foreach (var (p, b) in backbone.parameters().Concat(projector.parameters()).Zip(before))
        {
            Assert.Null(p.grad);
            Assert.True(p.detach().allclose(b, 0, 0));
        }
    }

    [Fact]
    public void Without_a_projector_only_the_backbone_is_scored_and_simclr_exposes_its_projector()
    {
        using var scope = NewDisposeScope();
        var (train, trainLabels) = ClassImages.Make(60, 5);
        using var backbone = new StandInBackbone(1, 6, 6, 8, seed: 3);
        var r = Guillotine.Evaluate(backbone, null, train, trainLabels, train, trainLabels, null,
            new KnnOptions { Ks = [3] }, new LinearProbeOptions { Epochs = 2 });
        Assert.Equal("backbone", Assert.Single(r.Layers).Name);

        using var simclr = new SimCLR(new StandInBackbone(1, 6, 6, 8), new SimCLROptions { HiddenDim = 8, OutputDim = 4 });
        var withProjector = Assert.IsAssignableFrom<IHasProjector>(simclr);
        Assert.IsType<ProjectionHead>(withProjector.Projector);
    }
}
