using SslSharp.Core;
using SslSharp.Methods;

namespace SslSharp.Training;

/// <summary>
/// The live state of a run that callbacks can read: the method, where training stands, the run
/// folder, and a place to log named values (they go to <c>logged.csv</c>).
/// </summary>
public sealed class TrainerState
{
    private readonly Action<long, string, double> _log;

    /// <summary>Creates the state; <paramref name="log"/> receives (step, name, value).</summary>
    public TrainerState(SslMethod method, string? runDirectory, long stepsPerEpoch, long totalSteps, int epochs,
        Action<long, string, double> log)
    {
        Method = method;
        RunDirectory = runDirectory;
        StepsPerEpoch = stepsPerEpoch;
        TotalSteps = totalSteps;
        Epochs = epochs;
        _log = log;
    }

    /// <summary>The method being trained.</summary>
    public SslMethod Method { get; }

    /// <summary>The run folder, or null when the run writes no files.</summary>
    public string? RunDirectory { get; }

    /// <summary>Optimizer steps per epoch.</summary>
    public long StepsPerEpoch { get; }

    /// <summary>Total optimizer steps of the run.</summary>
    public long TotalSteps { get; }

    /// <summary>Total epochs of the run.</summary>
    public int Epochs { get; }

    /// <summary>Global step of the next step to take (equals the number of steps taken).</summary>
    public long Step { get; set; }

    /// <summary>Current epoch (0-based).</summary>
    public int Epoch { get; set; }

    /// <summary>True in <see cref="ITrainerCallback.OnTrainEnd"/> when the run did not finish: it was stopped (a signal),
    /// diverged or failed. End-of-training evaluations skip such a run, so a stop takes one step, not an evaluation.</summary>
    public bool StoppedEarly { get; set; }

    /// <summary>Where training stands, as the method hooks see it.</summary>
    public TrainingProgress Progress => new(Step, TotalSteps, Epoch, StepsPerEpoch);

    /// <summary>Records <paramref name="value"/> under <paramref name="name"/> at the current step (goes to <c>logged.csv</c>).</summary>
    public void Log(string name, double value) => _log(Step, name, value);
}
