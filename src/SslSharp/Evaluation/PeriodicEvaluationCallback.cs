using SslSharp.Training;

namespace SslSharp.Evaluation;

/// <summary>
/// The schedule shared by evaluations that run during training (<see cref="Neighbours.KnnCallback"/>,
/// <see cref="Diagnostics.DiagnosticsCallback"/>): once before the first step when
/// <see cref="EvaluateAtStart"/>, after every <see cref="EveryEpochs"/> epochs, and at the end of
/// training when <see cref="EvaluateAtEnd"/>; never twice at the same step.
/// </summary>
public abstract class PeriodicEvaluationCallback : ITrainerCallback
{
    private readonly int _everyEpochs = 1;

    /// <summary>Evaluate after every this many epochs (default 1); 0 evaluates only at the end of training.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative value.</exception>
    public int EveryEpochs
    {
        get => _everyEpochs;
        init => _everyEpochs = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(EveryEpochs), value, "EveryEpochs must be >= 0 (0 = only at the end).");
    }

    /// <summary>Whether to evaluate at the end of training when the last step was not evaluated (default true); never at
    /// the end of a run that stopped early (<see cref="TrainerState.StoppedEarly"/>).</summary>
    public bool EvaluateAtEnd { get; init; } = true;

    /// <summary>Whether to evaluate once before the first step (the random-init baseline; default false).</summary>
    public bool EvaluateAtStart { get; init; }

    /// <summary>Training step of the most recent evaluation, or null before the first.</summary>
    protected abstract long? LastEvaluatedStep { get; }

    /// <summary>Evaluates the model now and logs the result; <paramref name="epoch"/> is -1 before training.</summary>
    protected abstract void EvaluateAndLog(TrainerState state, int epoch);

    /// <summary>Whether the end-of-training evaluation may run at this state (default: always).</summary>
    protected virtual bool CanEvaluateAtEnd(TrainerState state) => true;

    /// <inheritdoc />
    public void OnTrainStart(TrainerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (EvaluateAtStart && LastEvaluatedStep != state.Step) EvaluateAndLog(state, epoch: -1);
    }

    /// <inheritdoc />
    public void OnEpochEnd(TrainerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (EveryEpochs > 0 && (state.Epoch + 1) % EveryEpochs == 0 && LastEvaluatedStep != state.Step)
            EvaluateAndLog(state, state.Epoch);
    }

    /// <inheritdoc />
    public void OnTrainEnd(TrainerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (EvaluateAtEnd && !state.StoppedEarly && CanEvaluateAtEnd(state) && LastEvaluatedStep != state.Step) EvaluateAndLog(state, state.Epoch);
    }
}
