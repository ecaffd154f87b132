using SslSharp.Data;
using SslSharp.Training.Logging;

namespace SslSharp.Runs;

/// <summary>
/// The default configuration of a pretraining run for a (method, data set) pair: what
/// <c>sslsharp pretrain</c> uses for every option the user does not give.
/// </summary>
/// <remarks>
/// The embedded data set is the "does it work" demo: a small ConvNet, few epochs, a run of a few
/// minutes on two CPU cores. The full data sets use a ResNet-18 with the low-resolution stem
/// (3x3 conv, stride 1, no max-pool: the CIFAR stem of SimCLR and solo-learn), as a 28x28 image
/// shrinks to 1x1 before the last stage with the ImageNet stem.
/// SimCLR on small images: temperature 0.5 and a 2-layer projector to 128 (google-research/simclr
/// CIFAR-10 settings); LARS with base lr 0.3 x N/256 as in the paper would need hundreds of epochs,
/// so the short CPU runs use SGD with momentum 0.9 and a warmup + cosine schedule.
/// </remarks>
public static class PretrainDefaults
{
    /// <summary>The default configuration for <paramref name="method"/> on <paramref name="dataset"/>.</summary>
    public static RunConfig For(string method, string dataset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        bool embedded = string.Equals(dataset, FashionMnist.EmbeddedName, StringComparison.OrdinalIgnoreCase);
        return new RunConfig
        {
            Method = method.Trim().ToLowerInvariant(),
            Dataset = dataset.Trim().ToLowerInvariant(),
            Backbone = embedded ? "convnet" : "resnet18",
            LowResStem = true,
            WidthMultiplier = embedded ? 0.5 : 1.0,
            Epochs = embedded ? 15 : 10,
            BatchSize = 256,
            Optimizer = "sgd",
            LearningRate = 0.3,
            WeightDecay = 1e-4,
            WarmupEpochs = embedded ? 1 : 1,
            Options = new Dictionary<string, string>(),
        };
    }
}
