namespace SslSharp.Training;

/// <summary>The metadata of a checkpoint (what <see cref="Checkpoint.ReadInfo"/> returns).</summary>
/// <param name="MethodName">Name of the method module that was trained (its <c>GetName()</c>, e.g. "SimCLR").</param>
/// <param name="Step">Optimizer steps completed when the checkpoint was written.</param>
/// <param name="Epoch">Epoch (0-based) the next step belongs to.</param>
/// <param name="StepsPerEpoch">Steps per epoch of the run (a resume checks it).</param>
/// <param name="OptimizerName">Optimizer whose state is stored (<c>sgd</c>, <c>adamw</c>, <c>lars</c>), or null.</param>
/// <param name="TrainerOptionsJson">The run's <see cref="TrainerOptions"/> as JSON.</param>
/// <param name="ConfigJson">The caller's configuration JSON (<see cref="TrainerOptions.ConfigJson"/>), or null.</param>
/// <param name="CreatedUtc">When the checkpoint was written.</param>
/// <param name="FormatVersion">Checkpoint format version.</param>
/// <param name="GlobalBatchSize">Images per optimizer step over all processes (per-process batch x processes x accumulated
/// batches), or null in checkpoints written before it was recorded; a resume on any number of processes checks it.</param>
/// <param name="WorldSize">How many processes wrote the run (informational: a resume may use another number).</param>
public sealed record CheckpointInfo(
    string MethodName,
    long Step,
    int Epoch,
    long StepsPerEpoch,
    string? OptimizerName,
    string TrainerOptionsJson,
    string? ConfigJson,
    DateTime CreatedUtc,
    int FormatVersion = Checkpoint.FormatVersion,
    long? GlobalBatchSize = null,
    int? WorldSize = null);
