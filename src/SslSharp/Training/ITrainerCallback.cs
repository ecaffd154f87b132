using SslSharp.Core;

namespace SslSharp.Training;

/// <summary>
/// Hooks the <c>Trainer</c> calls during a run. Evaluation (kNN, online probes, label-free
/// metrics), logging and plotting live in callbacks, never in the method or the loop itself.
/// </summary>
/// <remarks>
/// Values a callback logs go to <c>logged.csv</c> (long format <c>step,epoch,name,value</c>) through <see cref="TrainerState.Log"/>.
/// Callbacks run on the training thread; each call should do its tensor work inside its own
/// <c>torch.NewDisposeScope()</c>.
/// </remarks>
public interface ITrainerCallback
{
    /// <summary>Once, before the first step (after a resume, before the first resumed step).</summary>
    void OnTrainStart(TrainerState state) { }

    /// <summary>
    /// After every optimizer step, before <see cref="OnStepEnd"/>, with the step's batch (labels included
    /// when the data has them) and the method's output (detached features of view 0). Runs inside the
    /// step's dispose scope: both are disposed when it returns, so keep nothing without copying it.
    /// Online probes train here.
    /// </summary>
    void OnStepOutput(TrainerState state, Core.ViewBatch batch, Core.StepOutput output) { }

    /// <summary>After every optimizer step.</summary>
    void OnStepEnd(TrainerState state, StepMetrics metrics) { }

    /// <summary>After the last step of every epoch.</summary>
    void OnEpochEnd(TrainerState state) { }

    /// <summary>Once, after the last step (also when the run stops early with an error).</summary>
    void OnTrainEnd(TrainerState state) { }
}
