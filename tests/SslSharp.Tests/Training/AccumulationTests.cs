using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>
/// Gradient accumulation (<see cref="TrainerOptions.AccumulationSteps"/>): for a loss that is a mean over independent
/// images (SimSiam's, with BN-free networks), 4 batches of 64 accumulated take the same optimizer step as one batch of 256.
/// </summary>
[Collection("TrainerSerial")] // builds its networks after torch.manual_seed: no parallel test may draw from the global generator meanwhile
public class AccumulationTests
{
    /// <summary>A BN-free backbone: flatten, linear, ReLU.</summary>
    private sealed class FlatBackbone : Backbone
    {
        private readonly Linear fc;
        public FlatBackbone(long seed) : base("FlatBackbone")
        {
            torch.manual_seed(seed);
            fc = nn.Linear(64, 16);
            RegisterComponents();
        }
        public override int FeatureDim => 16;
        public override int InputChannels => 1;
        public override Backbone CreateTwin() => new FlatBackbone(0);
        public override Tensor forward(Tensor x) => fc.call(x.flatten(1)).relu();
    }

    /// <summary>SimSiam with linear (BN-free) projector and predictor: its loss is a mean over images.</summary>
    private sealed class BnFreeSimSiam : SslMethod
    {
        private readonly FlatBackbone backbone;
        private readonly Linear projector, predictor;
        public BnFreeSimSiam() : base("BnFreeSimSiam")
        {
            backbone = new FlatBackbone(3);
            torch.manual_seed(4);
            projector = nn.Linear(16, 8);
            predictor = nn.Linear(8, 8);
            RegisterComponents();
        }
        public override Backbone Encoder => backbone;
        public override StepOutput forward(ViewBatch views)
        {
            var f1 = backbone.call(views.Views[0]);
            var z1 = projector.call(f1);
            var z2 = projector.call(backbone.call(views.Views[1]));
            var loss = SimSiamLoss.Compute(predictor.call(z1), predictor.call(z2), z1, z2);
            return new StepOutput(loss, f1.detach(), z1.detach());
        }
    }

    /// <summary>The same 256 pairs of views every epoch, in order, cut into batches of the given size.</summary>
    private sealed class FixedViews(Tensor v1, Tensor v2, int batchSize) : IBatchSource
    {
        public long BatchesPerEpoch => v1.shape[0] / batchSize;
        public IEnumerable<ViewBatch> Epoch(int epoch, long skipBatches = 0)
        {
            for (long b = skipBatches; b < BatchesPerEpoch; b++)
                yield return new ViewBatch(new[] { v1.narrow(0, b * batchSize, batchSize).clone(), v2.narrow(0, b * batchSize, batchSize).clone() });
        }
    }

    private static Dictionary<string, Tensor> OneStep(int batchSize, int accumulate, Tensor v1, Tensor v2)
    {
        using var method = new BnFreeSimSiam();
        var options = new TrainerOptions
        {
            Epochs = 1, BatchSize = batchSize, AccumulationSteps = accumulate, BaseLr = 0.5, Momentum = 0, WeightDecay = 0,
            WarmupEpochs = 0, MaxSteps = 1, ShowProgress = false,
        };
        using (var trainer = new Trainer(method, new FixedViews(v1, v2, batchSize), options))
            trainer.Fit();
        return method.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
    }

    [Fact]
    public void Four_batches_of_64_accumulated_step_like_one_batch_of_256()
    {
        var g = new Generator(11);
        var v1 = torch.rand(new long[] { 256, 1, 8, 8 }, generator: g);
        var v2 = torch.rand(new long[] { 256, 1, 8, 8 }, generator: g);
        var large = OneStep(256, 1, v1, v2);
        var accumulated = OneStep(64, 4, v1, v2);
        var single = OneStep(64, 1, v1, v2);   // one batch of 64 alone: a different step (the test can fail)
        using var start = new BnFreeSimSiam();
        double moved = 0, differsAlone = 0;
        foreach (var (name, before) in start.state_dict())
        {
            var diff = (large[name] - accumulated[name]).abs().max().ToDouble();
            Assert.True(diff <= 1e-6, $"{name}: accumulated step differs from the large batch's by {diff}");
            moved = Math.Max(moved, (large[name] - before).abs().max().ToDouble());
            differsAlone = Math.Max(differsAlone, (large[name] - single[name]).abs().max().ToDouble());
        }
        Assert.True(moved > 1e-4, "the step moved no parameter");
        Assert.True(differsAlone > 1e-4, "one batch of 64 alone steps like 256: the comparison cannot fail");
    }

    [Fact]
    public void Too_few_batches_for_the_accumulation_is_one_clear_error()
    {
        var v = torch.rand(64, 1, 8, 8);
        using var method = new BnFreeSimSiam();
        var e = Assert.Throws<ArgumentException>(() => new Trainer(method, new FixedViews(v, v, 32),
            new TrainerOptions { Epochs = 1, BatchSize = 32, AccumulationSteps = 4, WarmupEpochs = 0, ShowProgress = false }));
        Assert.Contains("--accumulate 4 needs at least 4 batches per epoch", e.Message);
    }
}
