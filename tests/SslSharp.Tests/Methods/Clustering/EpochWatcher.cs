using SslSharp.Training;

namespace SslSharp.Tests.Methods.Clustering;

/// <summary>Test callback that runs an action at every epoch end.</summary>
internal sealed class EpochWatcher(Action onEpochEnd) : ITrainerCallback
{
    public void OnEpochEnd(TrainerState state) => onEpochEnd();
}
