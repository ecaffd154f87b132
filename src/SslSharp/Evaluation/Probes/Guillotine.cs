using SslSharp.Augment;
using SslSharp.Data;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Heads;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Probes;

/// <summary>
/// The guillotine probe: kNN and a linear probe on the backbone output and on the output of every
/// projector layer, showing where in the network the best features are.
/// </summary>
/// <remarks>
/// <para>Bordes et al., "Guillotine Regularization" (TMLR 2023); the cookbook (Balestriero et al.
/// 2023, section 3.2) recommends it: representations a few layers before the loss generalise better,
/// which is why SSL evaluates the backbone and throws the projector away. This probe measures that
/// gap for a given checkpoint.</para>
/// <para>Backbone features are computed once with <see cref="FeatureExtractor"/> (eval mode, no
/// gradient); the projector then runs on them in eval mode (BatchNorm with running statistics),
/// layer by layer (<see cref="ProjectorLayers"/>). Each cut gets the same <see cref="Knn"/> and
/// <see cref="LinearProbe"/> settings.</para>
/// </remarks>
public static class Guillotine
{
    /// <summary>
    /// The output after each layer of <paramref name="projector"/> for <paramref name="features"/>
    /// <c>[N, D]</c>: every module of a <see cref="ProjectionHead"/> (<see cref="ProjectionHead.ForwardLayers"/>)
    /// or of an <c>nn.Sequential</c>; for any other module, its output alone (named <c>output</c>).
    /// </summary>
    public static IReadOnlyList<(string Name, Tensor Output)> ProjectorLayers(nn.Module<Tensor, Tensor> projector, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(projector);
        ArgumentNullException.ThrowIfNull(features);
        switch (projector)
        {
            case ProjectionHead head:
                return head.ForwardLayers(features);
            case Sequential sequential:
                var outputs = new List<(string, Tensor)>();
                var x = features;
                foreach (var (name, module) in sequential.named_children())
                {
                    x = ((nn.Module<Tensor, Tensor>)module).call(x);
                    outputs.Add(($"{name} {module.GetType().Name}", x));
                }
                return outputs;
            default:
                return new[] { ("output", projector.call(features)) };
        }
    }

    /// <summary>
    /// Features at every cut: <c>("backbone", train [N, D], test [M, D])</c>, then one entry per
    /// projector layer (<c>"projector.&lt;layer&gt;"</c>); float32 on the CPU.
    /// </summary>
    /// <param name="encoder">The backbone.</param>
    /// <param name="projector">The projector (null: the backbone cut only).</param>
    /// <param name="trainImages">Training images <c>[N, C, H, W]</c>, uint8 or float in [0, 1].</param>
    /// <param name="testImages">Test images <c>[M, C, H, W]</c>.</param>
    /// <param name="preprocess">Eval preprocessing of float batches in [0, 1]; null for none.</param>
    /// <param name="batchSize">Rows per forward pass.</param>
    /// <param name="device">Where the networks run; null: the encoder's device.</param>
    /// <param name="progress">Reports (images done, train + test images) during backbone extraction.</param>
    public static IReadOnlyList<(string Name, Tensor Train, Tensor Test)> ExtractCuts(nn.Module<Tensor, Tensor> encoder,
        nn.Module<Tensor, Tensor>? projector, Tensor trainImages, Tensor testImages, Func<Tensor, Tensor>? preprocess,
        int batchSize = 256, Device? device = null, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(trainImages);
        ArgumentNullException.ThrowIfNull(testImages);
        device ??= encoder.parameters().FirstOrDefault()?.device ?? CPU;
        long nTrain = trainImages.shape[0], total = nTrain + testImages.shape[0];
        var train = FeatureExtractor.Extract(encoder, trainImages, preprocess, batchSize, device,
            progress is null ? null : (d, _) => progress(d, total));
        var test = FeatureExtractor.Extract(encoder, testImages, preprocess, batchSize, device,
            progress is null ? null : (d, _) => progress(nTrain + d, total));
        var cuts = new List<(string, Tensor, Tensor)> { ("backbone", train, test) };
        if (projector is null) return cuts;
        var trainLayers = ProjectAll(projector, train, batchSize, device);
        var testLayers = ProjectAll(projector, test, batchSize, device);
        for (int i = 0; i < trainLayers.Count; i++)
            cuts.Add(("projector." + trainLayers[i].Name, trainLayers[i].Output, testLayers[i].Output));
        return cuts;
    }

    /// <summary>
    /// Runs the probe: extracts features at every cut, then kNN and a linear probe on each.
    /// </summary>
    /// <param name="encoder">The backbone.</param>
    /// <param name="projector">The projector (null: the backbone cut only).</param>
    /// <param name="trainImages">Training images <c>[N, C, H, W]</c>: the kNN bank and the probe's training set.</param>
    /// <param name="trainLabels">Training labels <c>[N]</c>.</param>
    /// <param name="testImages">Test images <c>[M, C, H, W]</c>: the kNN queries and the probe's test set.</param>
    /// <param name="testLabels">Test labels <c>[M]</c>.</param>
    /// <param name="evalTransform">Deterministic eval preprocessing; null for none.</param>
    /// <param name="knnOptions">kNN settings (default: <see cref="KnnOptions.Default"/>).</param>
    /// <param name="probeOptions">Linear-probe settings (default: <see cref="LinearProbeOptions.Default"/>); its device is used throughout.</param>
    /// <param name="progress">Reports (work done, total): one unit per extracted image and per probe step.</param>
    public static GuillotineResult Evaluate(nn.Module<Tensor, Tensor> encoder, nn.Module<Tensor, Tensor>? projector,
        Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels, IBatchTransform? evalTransform = null,
        KnnOptions? knnOptions = null, LinearProbeOptions? probeOptions = null, Action<long, long>? progress = null)
    {
        knnOptions ??= KnnOptions.Default;
        probeOptions ??= LinearProbeOptions.Default;
        probeOptions.Validate();
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)probeOptions.Seed);
        Func<Tensor, Tensor>? preprocess = evalTransform is null ? null : b => evalTransform.Apply(b, generator);
        long images = trainImages.shape[0] + testImages.shape[0];
        long probeSteps = LinearProbe.StepsPerEpoch(trainImages.shape[0], probeOptions.BatchSize) * probeOptions.Epochs;
        long total = images;  // grows once the number of cuts is known
        var cuts = ExtractCuts(encoder, projector, trainImages, testImages, preprocess, probeOptions.EvalBatchSize, probeOptions.Device,
            progress is null ? null : (d, _) => progress(d, images + probeSteps));
        total = images + cuts.Count * probeSteps;
        var layers = new List<GuillotineLayer>();
        for (int i = 0; i < cuts.Count; i++)
        {
            var (name, train, test) = cuts[i];
            var knn = Knn.Evaluate(train, trainLabels, test, testLabels, knnOptions);
            long offset = images + i * probeSteps;
            var linear = LinearProbe.Evaluate(train, trainLabels, test, testLabels, probeOptions,
                progress is null ? null : (d, _) => progress(offset + d, total));
            layers.Add(new GuillotineLayer(name, (int)train.shape[1], knn, linear));
        }
        return new GuillotineResult(layers);
    }

    private static IReadOnlyList<(string Name, Tensor Output)> ProjectAll(nn.Module<Tensor, Tensor> projector, Tensor features,
        int batchSize, Device device)
    {
        var modes = FeatureExtractor.RecordModes(projector);
        projector.eval();
        try
        {
            using var noGrad = no_grad();
            long n = features.shape[0];
            List<(string Name, Tensor Output)>? outputs = null;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(batchSize, n - start);
                var layers = ProjectorLayers(projector, features.narrow(0, start, count).to(device));
                outputs ??= layers.Select(l => (l.Name, empty(n, l.Output.shape[1], ScalarType.Float32).MoveToOuterDisposeScope())).ToList();
                for (int i = 0; i < layers.Count; i++)
                    outputs[i].Output.narrow(0, start, count).copy_(layers[i].Output.to(ScalarType.Float32).cpu());
            }
            return outputs!;
        }
        finally
        {
            FeatureExtractor.RestoreModes(projector, modes);
        }
    }
}
