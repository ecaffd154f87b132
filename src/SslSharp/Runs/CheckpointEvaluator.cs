using System.Text.Json;
using SslSharp.Augment.Presets;
using SslSharp.Data;
using SslSharp.Evaluation;
using SslSharp.Training;
using TorchSharp;

namespace SslSharp.Runs;

/// <summary>
/// Evaluates the encoder stored in a pretraining checkpoint: rebuilds the method from the run
/// configuration stored in the checkpoint, loads its weights and runs kNN on a data set.
/// </summary>
public static class CheckpointEvaluator
{
    /// <summary>Reads the run configuration stored in <paramref name="checkpoint"/>.</summary>
    /// <exception cref="InvalidDataException">The checkpoint holds no SslSharp run configuration.</exception>
    public static RunConfig ReadConfig(string checkpoint)
    {
        var info = Checkpoint.ReadInfo(checkpoint);
        if (string.IsNullOrEmpty(info.ConfigJson))
            throw new InvalidDataException(
                $"'{checkpoint}' holds no run configuration, so its method cannot be rebuilt. Use a checkpoint written by 'sslsharp pretrain'.");
        return JsonSerializer.Deserialize<RunConfig>(info.ConfigJson)
               ?? throw new InvalidDataException($"'{checkpoint}' holds an empty run configuration.");
    }

    /// <summary>
    /// kNN accuracy of the checkpoint's encoder: the data set's training images are the memory bank,
    /// its test (held-out) images the queries.
    /// </summary>
    /// <param name="checkpoint">A checkpoint written by <see cref="PretrainRunner"/>.</param>
    /// <param name="dataset">Data set to evaluate on; null for the one the run trained on.</param>
    /// <param name="dataDir">Its folder; null for the run's (or the data set's default).</param>
    /// <param name="options">kNN options (null: weighted, T 0.07, k 20 and 200).</param>
    /// <param name="device">Device to compute features on.</param>
    /// <param name="progress">Reports (images done, images total) while features are extracted.</param>
    public static KnnResult Knn(string checkpoint, string? dataset = null, string? dataDir = null, KnnOptions? options = null,
        string device = "cpu", Action<long, long>? progress = null)
    {
        var config = ReadConfig(checkpoint);
        var entry = DatasetCatalog.Find(dataset ?? config.Dataset);
        var (train, test) = entry.Load(dataset is null ? dataDir ?? config.DataDir : dataDir, 0);
        using var trainData = train;
        using var testData = test;
        using var method = PretrainRunner.CreateMethod(config, train.Channels);
        Checkpoint.LoadWeights(checkpoint, method);
        var dev = new torch.Device(device);
        method.to(dev);
        var knn = new KnnCallback(train.Images, train.Labels, test.Images, test.Labels, SimCLRAugment.Eval(entry.Mean, entry.Std))
        {
            Options = options ?? KnnOptions.Default,
            Device = dev,
        };
        return knn.Evaluate(method.Encoder, progress);
    }
}
