using SslSharp.Data;
using SslSharp.Methods;
using SslSharp.Runs;
using SslSharp.Training;
using TorchSharp;

namespace SslSharp.Runs.Reports;

/// <summary>
/// A pretraining checkpoint made usable for evaluation: its run configuration, its data set (train
/// and held-out images), and the method rebuilt with the checkpoint's weights on a device.
/// Disposing it frees the data and the method.
/// </summary>
public sealed class LoadedCheckpoint : IDisposable
{
    private LoadedCheckpoint(string path, RunConfig config, DatasetEntry entry, ImageDataset train, ImageDataset test, SslMethod method,
        torch.Device device)
    {
        Path = path;
        Config = config;
        Entry = entry;
        Train = train;
        Test = test;
        Method = method;
        Device = device;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>The run configuration stored in the checkpoint.</summary>
    public RunConfig Config { get; }

    /// <summary>The data set evaluated on (its normalisation statistics included).</summary>
    public DatasetEntry Entry { get; }

    /// <summary>Training images and labels.</summary>
    public ImageDataset Train { get; }

    /// <summary>Held-out images and labels.</summary>
    public ImageDataset Test { get; }

    /// <summary>The method with the checkpoint's weights, on <see cref="Device"/>.</summary>
    public SslMethod Method { get; }

    /// <summary>Where the method runs.</summary>
    public torch.Device Device { get; }

    /// <summary>Loads <paramref name="checkpoint"/> and the data it is evaluated on (<see cref="CheckpointEvaluator.LoadData"/>:
    /// a folder data set at the size the checkpoint trained at unless <see cref="EvaluationData.ImageSize"/> says otherwise).</summary>
    /// <param name="checkpoint">A checkpoint written by <c>sslsharp pretrain</c>.</param>
    /// <param name="data">Which images (null: the run's data set and its test split); <see cref="EvaluationData.Limit"/> is not supported.</param>
    /// <param name="device">Device to run on.</param>
    /// <exception cref="FileNotFoundException">The checkpoint does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a checkpoint written by <c>sslsharp pretrain</c>.</exception>
    /// <exception cref="ArgumentException"><paramref name="data"/> sets a limit.</exception>
    public static LoadedCheckpoint Open(string checkpoint, EvaluationData? data = null, string device = "cpu")
    {
        data ??= EvaluationData.Run;
        if (data.Limit is not null) throw new ArgumentException("A loaded checkpoint takes every image of its data set; it has no limit.", nameof(data));
        var (config, entry, train, test) = CheckpointEvaluator.LoadData(CheckpointEvaluator.ReadConfig(checkpoint), data);
        SslMethod? method = null;
        try
        {
            method = PretrainRunner.CreateMethod(config, train.Channels, train.Height);
            CheckpointEvaluator.LoadWeights(checkpoint, method);
            var dev = new torch.Device(device);
            method.to(dev);
            return new LoadedCheckpoint(checkpoint, config, entry, train, test, method, dev);
        }
        catch
        {
            method?.Dispose();
            train.Dispose();
            test.Dispose();
            throw;
        }
    }

    /// <summary>Frees the method and the data.</summary>
    public void Dispose()
    {
        Method.Dispose();
        Train.Dispose();
        Test.Dispose();
    }
}
