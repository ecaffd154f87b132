using SslSharp.Core;
using SslSharp.Training;

namespace SslSharp.Tests.Training;

/// <summary>Test callback that hands every step's batch and output to a delegate.</summary>
internal sealed class OutputProbe : ITrainerCallback
{
    private readonly Action<TrainerState, ViewBatch, StepOutput> _onOutput;

    public OutputProbe(Action<TrainerState, ViewBatch, StepOutput> onOutput) => _onOutput = onOutput;

    public Action<TrainerState, StepMetrics>? OnStep { get; set; }

    public void OnStepOutput(TrainerState state, ViewBatch batch, StepOutput output) => _onOutput(state, batch, output);

    public void OnStepEnd(TrainerState state, StepMetrics metrics) => OnStep?.Invoke(state, metrics);
}
