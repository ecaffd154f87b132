using SslSharp.Augment;
using SslSharp.Augment.Presets;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Probes;

[Collection("TrainerSerial")] // trains with torch's global generator: no parallel test may draw from it meanwhile
public class OnlineProbeCallbackTests
{
    [Fact]
    public void Sends_no_gradient_into_the_backbone_even_when_given_features_with_a_graph()
    {
        using var scope = NewDisposeScope();
        using var backbone = new StandInBackbone(1, 6, 6, 8, seed: 2);
        var (images, labels) = ClassImages.Make(32, 3);
        var features = backbone.call(images.to(ScalarType.Float32).div(255));  // requires grad, not detached
        Assert.True(features.requires_grad);
        using var probe = new OnlineProbeCallback(6);

        probe.Train(features, labels);
        var w0 = probe.Head!.Linear.weight!.detach().clone();
        probe.Train(features, labels);

        foreach (var p in backbone.parameters()) Assert.Null(p.grad);
        Assert.False(probe.Head.Linear.weight!.detach().allclose(w0, 0, 0)); // the head itself learns
        Assert.Equal(2, probe.Steps);
    }

    [Fact]
    public void Logs_loss_and_top1_at_epoch_ends_and_learns_the_labels()
    {
        using var scope = NewDisposeScope();
        using var backbone = new StandInBackbone(1, 6, 6, 16, seed: 3);
        using var method = new StandInMethod(backbone);
        var (images, labels) = ClassImages.Make(64, 4);
        var logged = new List<(long Step, string Name, double Value)>();
        var state = new TrainerState(method, null, stepsPerEpoch: 4, totalSteps: 40, epochs: 10, (s, n, v) => logged.Add((s, n, v)));
        using var probe = new OnlineProbeCallback(6) { LearningRate = 0.5 };
        using var noGrad = no_grad(); // the trainer's features are detached; the probe enables grad for itself
        for (int epoch = 0; epoch < 10; epoch++)
        {
            for (int b = 0; b < 4; b++)
            {
                using var features = backbone.call(images.narrow(0, 16 * b, 16).to(ScalarType.Float32).div(255));
                probe.Train(features, labels.narrow(0, 16 * b, 16));
                state.Step++;
                probe.OnStepEnd(state, default);
            }
            probe.OnEpochEnd(state);
        }

        var top1 = logged.Where(l => l.Name == "online_probe_top1").ToList();
        var loss = logged.Where(l => l.Name == "online_probe_loss").ToList();
        Assert.Equal(10, top1.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(e => 4L * e), top1.Select(l => l.Step));
        Assert.True(loss[^1].Value < loss[0].Value, $"loss {loss[0].Value} -> {loss[^1].Value}");
        Assert.True(top1[^1].Value > 0.9, $"top1 {top1[^1].Value}");
        Assert.Equal(top1[^1].Value, probe.LastTop1);
        probe.OnTrainEnd(state); // nothing new since the last epoch end: no extra row
        Assert.Equal(20, logged.Count);
    }

    [Fact]
    public void In_a_training_run_the_probe_leaves_the_method_exactly_as_without_it()
    {
        using var scope = NewDisposeScope();
        var (images, labels) = ClassImages.Make(48, 5);
        using var data = new ImageDataset(images, labels, "class-rows", Enumerable.Range(0, 6).Select(i => $"row {i}").ToArray());
        var views = new TwoViewTransform(SimCLRAugment.Eval([0.3f], [0.3f]));
        var options = new TrainerOptions { Epochs = 3, BatchSize = 16, WarmupEpochs = 0, BaseLr = 0.1, ShowProgress = false, Seed = 1 };

        // Both runs start from the same weights, copied rather than re-drawn: parallel tests may draw from
        // torch's global generator between a seed and a layer's initialisation.
        Tensor[]? initial = null;
        Tensor[] Train(OnlineProbeCallback? probe)
        {
            using var method = new StandInMethod(new StandInBackbone(1, 6, 6, 8, seed: 7));
            using (no_grad())
            {
                var parameters = method.parameters().ToArray();
                if (initial is null) initial = parameters.Select(p => p.detach().clone().MoveToOuterDisposeScope()).ToArray();
                else for (int i = 0; i < parameters.Length; i++) parameters[i].copy_(initial[i]);
            }
            var loader = new Loader(data, 16, views, seed: 2, prefetch: 0);
            using (var trainer = new Trainer(method, loader, options, probe is null ? null : new ITrainerCallback[] { probe }))
                trainer.Fit();
            return method.Encoder.parameters().Select(p => p.detach().clone().MoveToOuterDisposeScope()).ToArray();
        }

        var without = Train(null);
        using var probe = new OnlineProbeCallback(6);
        var with = Train(probe);

        Assert.Equal(9, probe.Steps); // the loader carried the labels to every step
        Assert.False(double.IsNaN(probe.LastTop1));
        foreach (var (a, b) in without.Zip(with)) Assert.True(a.allclose(b, 0, 0), "the probe changed the backbone's training");
    }

    [Fact]
    public void Fails_clearly_without_labels_or_with_bad_shapes()
    {
        using var scope = NewDisposeScope();
        using var method = new StandInMethod(new StandInBackbone(1, 6, 6, 8));
        var state = new TrainerState(method, null, 1, 1, 1, (_, _, _) => { });
        using var probe = new OnlineProbeCallback(3);
        using var batch = new SslSharp.Core.ViewBatch([zeros(4, 1, 6, 6), zeros(4, 1, 6, 6)]);
        var e = Assert.Throws<InvalidOperationException>(() => probe.OnStepOutput(state, batch, new SslSharp.Core.StepOutput(zeros(1), zeros(4, 8))));
        Assert.Contains("labels", e.Message);
        Assert.Throws<ArgumentException>(() => probe.Train(zeros(4, 8), zeros(3, ScalarType.Int64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnlineProbeCallback(1));
    }
}
