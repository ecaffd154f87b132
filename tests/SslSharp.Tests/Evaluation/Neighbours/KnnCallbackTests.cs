using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Neighbours;

public class KnnCallbackTests
{
    [Fact]
    public void Logs_knn_accuracy_every_n_epochs_and_at_the_end_and_keeps_the_last_result()
    {
        using var scope = NewDisposeScope();
        var (bankImages, bankLabels) = ClassImages.Make(120, 1);
        var (queryImages, queryLabels) = ClassImages.Make(40, 2);
        using var method = new StandInMethod(new StandInBackbone(1, 6, 6, 16, seed: 3));
        method.train();
        var logged = new List<(long Step, string Name, double Value)>();
        var state = new TrainerState(method, null, stepsPerEpoch: 10, totalSteps: 50, epochs: 5, (s, n, v) => logged.Add((s, n, v)));
        var callback = new KnnCallback(bankImages, bankLabels, queryImages, queryLabels)
        {
            EveryEpochs = 2,
            Options = new KnnOptions { Ks = [1, 20] },
            BatchSize = 32,
        };

        callback.OnTrainStart(state);
        Assert.Null(callback.LastResult);
        for (int epoch = 0; epoch < 5; epoch++)
        {
            state.Epoch = epoch;
            state.Step = (epoch + 1) * 10;
            callback.OnEpochEnd(state);
        }
        callback.OnTrainEnd(state);

        Assert.Equal(new[] { 1, 3, 4 }, callback.History.Select(h => h.Epoch));
        Assert.Equal(new long[] { 20, 40, 50 }, callback.History.Select(h => h.Step));
        Assert.Equal(new[] { "knn_top1_k1", "knn_top5_k1", "knn_top1_k20", "knn_top5_k20" }, logged.Take(4).Select(l => l.Name));
        Assert.Equal(12, logged.Count);
        Assert.All(logged, l => Assert.InRange(l.Value, 0, 1));
        var last = callback.LastResult!;
        Assert.Equal(40, last.QueryCount);
        Assert.Equal(120, last.BankCount);
        Assert.True(last[20].Top1 > 0.8, $"separable classes should be found by kNN, got {last}");
        Assert.Equal(last[20].Top1, logged.Last(l => l.Name == "knn_top1_k20").Value);
        Assert.True(method.training);                  // train mode restored
        Assert.True(method.Encoder.training);
    }

    [Fact]
    public void Does_not_evaluate_twice_at_the_same_step_and_can_evaluate_only_at_the_end()
    {
        using var scope = NewDisposeScope();
        var (images, labels) = ClassImages.Make(30, 4);
        using var method = new StandInMethod(new StandInBackbone(1, 6, 6, 8));
        var state = new TrainerState(method, null, 5, 10, 2, (_, _, _) => { });
        var onlyEnd = new KnnCallback(images, labels, images, labels) { EveryEpochs = 0, Options = new KnnOptions { Ks = [3] }, EvaluateAtStart = true };
        onlyEnd.OnTrainStart(state);
        state.Step = 5; onlyEnd.OnEpochEnd(state);
        state.Step = 10; state.Epoch = 1; onlyEnd.OnEpochEnd(state);
        onlyEnd.OnTrainEnd(state);
        onlyEnd.OnTrainEnd(state);
        Assert.Equal(new long[] { 0, 10 }, onlyEnd.History.Select(h => h.Step));
        Assert.Equal(-1, onlyEnd.History[0].Epoch);
        Assert.NotNull(onlyEnd.LastResult);
    }

    [Fact]
    public void A_run_that_stopped_early_is_not_evaluated_at_its_end()
    {
        using var scope = NewDisposeScope();
        var (images, labels) = ClassImages.Make(30, 4);
        using var method = new StandInMethod(new StandInBackbone(1, 6, 6, 8));
        var state = new TrainerState(method, null, 5, 10, 2, (_, _, _) => { }) { Step = 3, StoppedEarly = true };
        var callback = new KnnCallback(images, labels, images, labels) { Options = new KnnOptions { Ks = [3] } };
        callback.OnTrainEnd(state);                    // a Ctrl-C after step 3 ends the run without a kNN
        Assert.Empty(callback.History);
        state.StoppedEarly = false;
        callback.OnTrainEnd(state);
        Assert.Equal(new long[] { 3 }, callback.History.Select(h => h.Step));
    }

    private sealed class ZeroTransform : SslSharp.Augment.IBatchTransform
    {
        public int Calls;
        public Tensor Apply(Tensor images, Generator generator) { Calls++; return images.mul(0); }
    }

    [Fact]
    public void Eval_transform_is_applied_to_every_batch()
    {
        using var scope = NewDisposeScope();
        var (images, labels) = ClassImages.Make(30, 6);
        using var encoder = new StandInBackbone(1, 6, 6, 8);
        var transform = new ZeroTransform();
        var callback = new KnnCallback(images, labels, images[..20], labels[..20], transform) { BatchSize = 10, Options = new KnnOptions { Ks = [1] } };
        var result = callback.Evaluate(encoder);
        Assert.Equal(3 + 2, transform.Calls);
        Assert.Equal(20, result.QueryCount);
    }

    [Fact]
    public void Mismatched_sets_fail_fast()
    {
        using var scope = NewDisposeScope();
        var (images, labels) = ClassImages.Make(10, 5);
        Assert.Contains("one per image", Assert.Throws<ArgumentException>(() => new KnnCallback(images, labels[..5], images, labels)).Message);
        Assert.Contains("channel", Assert.Throws<ArgumentException>(() => new KnnCallback(images, labels, images.expand(10, 3, 6, 6), labels)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new KnnCallback(images, labels, images, labels) { EveryEpochs = -1 });
        Assert.Equal(new[] { "knn_top1_k20", "knn_top5_k20", "knn_top1_k200", "knn_top5_k200" }, KnnCallback.MetricNames(KnnOptions.Default));
    }
}
