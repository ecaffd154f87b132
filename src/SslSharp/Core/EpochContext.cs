using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Core;

/// <summary>
/// What <c>SslMethod.OnEpochStart</c> sees: the epoch about to run, the batch source it will
/// be drawn from, the device, and two services of the trainer (logging a value, resetting the
/// optimizer state of parameters the method re-initialises).
/// </summary>
/// <remarks>
/// The hook exists for methods that work on the whole training set between epochs, such as
/// DeepCluster (Caron et al., ECCV 2018; facebookresearch/deepcluster <c>main.py</c>: features of every
/// image, k-means, pseudo-labels, a uniform-over-clusters sampler and a fresh classifier each epoch).
/// Such a method casts <see cref="Source"/> to <c>Data.ISampledBatchSource</c> to read the images and
/// set the epoch's sampler.
/// </remarks>
public sealed class EpochContext
{
    private readonly Action<string, double>? _log;
    private readonly Action<IEnumerable<Parameter>>? _resetOptimizerState;

    /// <summary>Creates the context (the trainer does; tests may too).</summary>
    /// <param name="epoch">The epoch about to start, from 0.</param>
    /// <param name="skipBatches">Batches of this epoch already trained (a run resumed mid-epoch), else 0.</param>
    /// <param name="progress">Where training stands at the first step of the epoch's remaining batches.</param>
    /// <param name="source">Where the epoch's batches come from.</param>
    /// <param name="device">The device the method runs on.</param>
    /// <param name="log">Receives (name, value) for <c>logged.csv</c>; null drops them.</param>
    /// <param name="resetOptimizerState">Zeros the optimizer state (momentum, Adam moments) of the given
    /// parameters; null does nothing.</param>
    public EpochContext(int epoch, long skipBatches, TrainingProgress progress, IBatchSource source, Device device,
        Action<string, double>? log = null, Action<IEnumerable<Parameter>>? resetOptimizerState = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(device);
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must be non-negative.");
        if (skipBatches < 0) throw new ArgumentOutOfRangeException(nameof(skipBatches), skipBatches, "skipBatches must be non-negative.");
        Epoch = epoch;
        SkipBatches = skipBatches;
        Progress = progress;
        Source = source;
        Device = device;
        _log = log;
        _resetOptimizerState = resetOptimizerState;
    }

    /// <summary>The epoch about to start, from 0.</summary>
    public int Epoch { get; }

    /// <summary>Batches of this epoch already trained before a resume (0 unless the run resumed mid-epoch).</summary>
    public long SkipBatches { get; }

    /// <summary>Where training stands.</summary>
    public TrainingProgress Progress { get; }

    /// <summary>The batch source of the run (a <c>Data.Loader</c> in <c>sslsharp pretrain</c>).</summary>
    public IBatchSource Source { get; }

    /// <summary>The device the method runs on.</summary>
    public Device Device { get; }

    /// <summary>Records <paramref name="value"/> under <paramref name="name"/> (trainer: <c>logged.csv</c> at the current step).</summary>
    public void Log(string name, double value) => _log?.Invoke(name, value);

    /// <summary>
    /// Zeros the optimizer state of <paramref name="parameters"/>, as if they were new to the optimizer
    /// (DeepCluster's classifier gets a fresh optimizer with every re-initialisation). Parameters the
    /// optimizer does not hold are ignored.
    /// </summary>
    public void ResetOptimizerState(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _resetOptimizerState?.Invoke(parameters);
    }
}
