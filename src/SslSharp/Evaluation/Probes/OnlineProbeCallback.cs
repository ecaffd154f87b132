using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Training;
using SslSharp.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Probes;

/// <summary>
/// Online linear probe: a <see cref="LinearClassifier"/> trained alongside self-supervised
/// pretraining on the detached backbone features of view 0 (<see cref="StepOutput.Features"/>) and
/// the batch labels (<see cref="ViewBatch.Labels"/>), with its own optimizer, one step per training
/// step. Logs <c>online_probe_loss</c> and <c>online_probe_top1</c> (fraction in [0, 1], measured on
/// each training batch before the probe's update) averaged over every epoch (and every
/// <see cref="LogEverySteps"/> steps when set).
/// </summary>
/// <remarks>
/// <para>solo-learn <c>BaseMethod</c> (a linear classifier on <c>feats.detach()</c> trained with the
/// SSL loss), lightly <c>OnlineLinearClassifier</c>, stable-pretraining's online probe callback; the
/// cookbook (Balestriero et al. 2023, section on evaluation) warns that this cheap signal can
/// mislead: it sees augmented views and a moving representation, so treat it as a monitor and use
/// <see cref="LinearProbe"/> for numbers you report.</para>
/// <para>No gradient reaches the backbone: the features are detached again here, and the probe's
/// optimizer holds only the head's parameters. The head is not part of the method, so it is not in
/// checkpoints; a resumed run starts a fresh probe.</para>
/// </remarks>
public sealed class OnlineProbeCallback : ITrainerCallback, IDisposable
{
    private readonly int _numClasses;
    private LinearClassifier? _head;
    private Sgd? _optimizer;
    private double _lossSum;
    private long _correct, _count, _windowSteps, _steps;

    /// <summary>Creates the probe; the head is built at the first step from the feature width it sees.</summary>
    /// <param name="numClasses">Number of classes in the labels (10 for Fashion-MNIST).</param>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 classes.</exception>
    public OnlineProbeCallback(int numClasses)
    {
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The online probe needs at least 2 classes.");
        _numClasses = numClasses;
    }

    /// <summary>Constant learning rate of the probe's SGD (default 0.1, solo-learn's classifier lr).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Momentum of the probe's SGD (default 0.9).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay of the probe's weight (default 0).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Whether the head standardises features with a non-affine BatchNorm first (default true).</summary>
    public bool BatchNorm { get; init; } = true;

    /// <summary>Seed of the head's initialisation.</summary>
    public long Seed { get; init; }

    /// <summary>Also log every this many steps (0, the default: only at epoch ends).</summary>
    public int LogEverySteps { get; init; }

    /// <summary>Prefix of the logged names (default <c>online_probe</c>).</summary>
    public string Prefix { get; init; } = "online_probe";

    /// <summary>The head, or null before the first step.</summary>
    public LinearClassifier? Head => _head;

    /// <summary>Probe steps taken.</summary>
    public long Steps => _steps;

    /// <summary>Mean loss of the last logged window, or NaN before the first log.</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>Top-1 of the last logged window, or NaN before the first log.</summary>
    public double LastTop1 { get; private set; } = double.NaN;

    /// <inheritdoc />
    public void OnStepOutput(TrainerState state, ViewBatch batch, StepOutput output)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(output);
        if (batch.Labels is null)
            throw new InvalidOperationException(
                "The online probe needs labels but the batch has none. Use a labelled data set (the loader passes its labels along) or remove the probe.");
        Train(output.Features, batch.Labels);
    }

    /// <summary>One probe step on features <c>[N, D]</c> (detached here) and labels <c>[N]</c>; what <see cref="OnStepOutput"/> does.</summary>
    /// <returns>The step's loss and the number of rows whose top-1 prediction (before the update) was right.</returns>
    public (double Loss, long Correct) Train(Tensor features, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.dim() != 2 || labels.dim() != 1 || labels.shape[0] != features.shape[0])
            throw new ArgumentException(
                $"The online probe needs features [N, D] and labels [N] but got [{string.Join(", ", features.shape)}] and [{string.Join(", ", labels.shape)}].",
                nameof(labels));
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        if (_head is null)
        {
            _head = new LinearClassifier((int)features.shape[1], _numClasses, BatchNorm, Seed);
            _head.to(features.device);
            _optimizer = new Sgd(ParameterGroups.SplitDecay(_head), LearningRate, Momentum, WeightDecay);
        }
        _head.train();
        var x = features.detach().to(ScalarType.Float32);
        var y = labels.to(ScalarType.Int64, features.device);
        var logits = _head.call(x);
        var loss = nn.functional.cross_entropy(logits, y);
        long correct = TopKAccuracy.Correct(logits.detach(), y, 1);
        _optimizer!.ZeroGrad();
        loss.backward();
        _optimizer.Step();
        double value = loss.item<float>();
        _lossSum += value;
        _correct += correct;
        _count += features.shape[0];
        _windowSteps++;
        _steps++;
        return (value, correct);
    }

    /// <inheritdoc />
    public void OnStepEnd(TrainerState state, StepMetrics metrics)
    {
        if (LogEverySteps > 0 && state.Step % LogEverySteps == 0) Flush(state);
    }

    /// <inheritdoc />
    public void OnEpochEnd(TrainerState state) => Flush(state);

    /// <inheritdoc />
    public void OnTrainEnd(TrainerState state) => Flush(state);

    private void Flush(TrainerState state)
    {
        if (_count == 0) return;
        LastLoss = _lossSum / _windowSteps;
        LastTop1 = (double)_correct / _count;
        state.Log(Prefix + "_loss", LastLoss);
        state.Log(Prefix + "_top1", LastTop1);
        _lossSum = 0;
        _correct = 0;
        _count = 0;
        _windowSteps = 0;
    }

    /// <summary>Disposes the head and its optimizer.</summary>
    public void Dispose()
    {
        _optimizer?.Dispose();
        _head?.Dispose();
    }
}
