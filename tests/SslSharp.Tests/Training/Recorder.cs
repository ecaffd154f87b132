using SslSharp.Training;

namespace SslSharp.Tests.Training;

/// <summary>Test callback: records every step's metrics and which hooks ran.</summary>
internal sealed class Recorder : ITrainerCallback
{
    public List<StepMetrics> Steps { get; } = new();
    public int TrainStarts { get; private set; }
    public int EpochEnds { get; private set; }
    public int TrainEnds { get; private set; }
    public Action<TrainerState, StepMetrics>? OnStep { get; set; }
    public Action<TrainerState>? OnEnd { get; set; }

    public void OnTrainStart(TrainerState state) => TrainStarts++;

    public void OnStepEnd(TrainerState state, StepMetrics metrics)
    {
        Steps.Add(metrics);
        OnStep?.Invoke(state, metrics);
    }

    public void OnEpochEnd(TrainerState state) => EpochEnds++;

    public void OnTrainEnd(TrainerState state)
    {
        TrainEnds++;
        OnEnd?.Invoke(state);
    }
}
