using SslSharp.Backbones;
using System.Text.Json;
using SslSharp.Augment;
using SslSharp.Augment.Presets;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Evaluation.Probes;
using SslSharp.Methods;
using SslSharp.Training;
using TorchSharp;

namespace SslSharp.Runs;

/// <summary>
/// Evaluates the encoder stored in a pretraining checkpoint: rebuilds the method from the run
/// configuration stored in the checkpoint, loads its weights and runs kNN, a linear probe,
/// fine-tuning or the guillotine probe on a data set (its training split to fit, its test split to score).
/// </summary>
public static class CheckpointEvaluator
{
    /// <summary>
    /// Reads the run configuration stored in <paramref name="checkpoint"/>, or, for a <c>.safetensors</c> export, the
    /// one its side JSON describes (<see cref="ModelExport.ReadConfig"/>): every evaluation takes either.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint holds no SslSharp run configuration.</exception>
    public static RunConfig ReadConfig(string checkpoint)
    {
        if (ModelExport.IsExport(checkpoint)) return ModelExport.ReadConfig(checkpoint);
        var info = Checkpoint.ReadInfo(checkpoint);
        if (string.IsNullOrEmpty(info.ConfigJson))
            throw new InvalidDataException(
                $"'{checkpoint}' holds no run configuration, so its method cannot be rebuilt. Use a checkpoint written by 'sslsharp pretrain'.");
        return RunConfig.FromJson(info.ConfigJson);
    }

    /// <summary>Loads the weights of a checkpoint, or of a <c>.safetensors</c> export (<see cref="ModelExport.LoadWeights"/>), into <paramref name="method"/>.</summary>
    public static void LoadWeights(string checkpoint, SslMethod method)
    {
        if (ModelExport.IsExport(checkpoint)) ModelExport.LoadWeights(checkpoint, method);
        else Checkpoint.LoadWeights(checkpoint, method);
    }

    /// <summary>The folder of <paramref name="checkpoint"/> (the run folder): where evaluation files go by default.</summary>
    public static string RunFolder(string checkpoint) =>
        Path.GetDirectoryName(Path.GetFullPath(ModelExport.IsExport(checkpoint) ? checkpoint : Checkpoint.Locate(checkpoint))) ?? Directory.GetCurrentDirectory();

    /// <summary>
    /// kNN accuracy of the checkpoint's encoder: the data set's training images are the memory bank,
    /// its test (held-out) images the queries.
    /// </summary>
    /// <param name="checkpoint">A checkpoint written by <see cref="PretrainRunner"/>.</param>
    /// <param name="options">kNN options (null: weighted, T 0.07, k 20 and 200).</param>
    /// <param name="data">Which images (null: the run's data set, all of it, the test split).</param>
    /// <param name="device">Device to compute features on.</param>
    /// <param name="progress">Reports (images done, images total) while features are extracted.</param>
    public static KnnResult Knn(string checkpoint, KnnOptions? options = null, EvaluationData? data = null,
        string device = "cpu", Action<long, long>? progress = null) =>
        Knn(checkpoint, new[] { options ?? KnnOptions.Default }, data, device, progress)[0];

    /// <summary>
    /// Several kNN evaluations (e.g. weighted and majority vote) from one feature extraction.
    /// </summary>
    /// <param name="checkpoint">A checkpoint written by <see cref="PretrainRunner"/>.</param>
    /// <param name="options">One kNN setting per result (each may ask for several k).</param>
    /// <param name="data">Which images (null: the run's data set, all of it, the test split).</param>
    /// <param name="device">Device to compute features on.</param>
    /// <param name="progress">Reports (images done, images total) while features are extracted.</param>
    /// <param name="rawPixels">Use the flattened pixels (<see cref="PretrainRunner.PixelFeatures"/>) of the same images instead of
    /// the encoder's features: the raw-pixel baseline on this data set and split.</param>
    public static IReadOnlyList<KnnResult> Knn(string checkpoint, IReadOnlyList<KnnOptions> options, EvaluationData? data = null,
        string device = "cpu", Action<long, long>? progress = null, bool rawPixels = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var run = Open(checkpoint, data, device, loadWeights: !rawPixels);
        using var scope = torch.NewDisposeScope();
        var (bank, queries) = rawPixels
            ? (PretrainRunner.PixelFeatures(run.TrainImages), PretrainRunner.PixelFeatures(run.TestImages))
            : run.Features(run.Method.Encoder, progress);
        return options.Select(o => Evaluation.Neighbours.Knn.Evaluate(bank, run.TrainLabels, queries, run.TestLabels, o)).ToList();
    }

    /// <summary>Offline linear probe of the checkpoint's encoder (features cached once, see <see cref="LinearProbe"/>).</summary>
    /// <param name="checkpoint">A checkpoint written by <see cref="PretrainRunner"/>.</param>
    /// <param name="options">Probe settings (null: <see cref="LinearProbeOptions.Default"/>); the device is taken from <paramref name="device"/>.</param>
    /// <param name="data">Which images (null: the run's data set, all of it, the test split).</param>
    /// <param name="device">Device to run on.</param>
    /// <param name="progress">Reports (work done, total): extracted images, then probe steps.</param>
    /// <param name="rawPixels">Probe the flattened pixels (<see cref="PretrainRunner.PixelFeatures"/>) of the same images
    /// instead of the encoder's features: the baseline a representation has to beat; the checkpoint only chooses the data
    /// set and the split.</param>
    public static LinearProbeResult LinearProbe(string checkpoint, LinearProbeOptions? options = null, EvaluationData? data = null,
        string device = "cpu", Action<long, long>? progress = null, bool rawPixels = false)
    {
        using var run = Open(checkpoint, data, device, loadWeights: !rawPixels);
        var o = (options ?? LinearProbeOptions.Default) with { Device = run.Device };
        if (!rawPixels)
            return Evaluation.Probes.LinearProbe.Evaluate(run.Method.Encoder, run.TrainImages, run.TrainLabels, run.TestImages, run.TestLabels,
                run.EvalTransform, o, progress);
        using var scope = torch.NewDisposeScope();
        return Evaluation.Probes.LinearProbe.Evaluate(PretrainRunner.PixelFeatures(run.TrainImages), run.TrainLabels,
            PretrainRunner.PixelFeatures(run.TestImages), run.TestLabels, o, progress);
    }

    /// <summary>Fine-tunes the checkpoint's encoder with a linear head (see <see cref="FineTune"/>); the checkpoint file is not changed.</summary>
    /// <param name="checkpoint">A checkpoint written by <see cref="PretrainRunner"/>.</param>
    /// <param name="options">Fine-tuning settings (null: <see cref="FineTuneOptions.Default"/>); the device is taken from <paramref name="device"/>.</param>
    /// <param name="data">Which images (null: the run's data set, all of it, the test split).</param>
    /// <param name="device">Device to run on.</param>
    /// <param name="progress">Reports (steps done, total steps).</param>
    /// <param name="dropPath">ViTs: the stochastic-depth rate to fine-tune with (MAE: 0.1 for ViT-B); null: the run's own.</param>
    /// <param name="scratch">Fine-tune the checkpoint's architecture from its random initialisation (the run's seed),
    /// not from its weights: the from-scratch baseline with the same budget.</param>
    /// <param name="minScale">Smallest crop area fraction of the fine-tuning augmentation (<see cref="FineTune.TrainTransform"/>);
    /// null: its default.</param>
    /// <exception cref="ArgumentException"><paramref name="dropPath"/> is given for a backbone that is not a ViT, or is outside [0, 1).</exception>
    public static FineTuneResult FineTune(string checkpoint, FineTuneOptions? options = null, EvaluationData? data = null,
        string device = "cpu", Action<long, long>? progress = null, double? dropPath = null, bool scratch = false, double? minScale = null)
    {
        if (dropPath is { } rate && !(rate >= 0 && rate < 1))
            throw new ArgumentException($"The drop-path rate must be in [0, 1) (e.g. 0.1), got {rate}.", nameof(dropPath));
        using var run = Open(checkpoint, data, device, dropPath, loadWeights: !scratch);
        if (dropPath is not null && run.Method.Encoder is not VisionTransformer)
            throw new ArgumentException($"--drop-path needs a Vision Transformer backbone; this checkpoint's is '{run.Config.Backbone.Name}'. Leave it out.", nameof(dropPath));
        var o = (options ?? FineTuneOptions.Default) with { Device = run.Device };
        var augment = Evaluation.Probes.FineTune.TrainTransform((int)run.TrainImages.shape[2], run.Entry.Mean, run.Entry.Std, minScale);
        return Evaluation.Probes.FineTune.Run(run.Method.Encoder, run.TrainImages, run.TrainLabels, run.TestImages, run.TestLabels,
            augment, run.EvalTransform, o, progress);
    }

    /// <summary>
    /// Guillotine probe of the checkpoint: kNN and a linear probe on the backbone output and on every
    /// layer of the projector (when the method implements <see cref="IHasProjector"/>; else the backbone only).
    /// </summary>
    /// <param name="checkpoint">A checkpoint written by <see cref="PretrainRunner"/>.</param>
    /// <param name="knnOptions">kNN settings (null: default).</param>
    /// <param name="probeOptions">Linear-probe settings (null: default).</param>
    /// <param name="data">Which images (null: the run's data set, all of it, the test split).</param>
    /// <param name="device">Device to run on.</param>
    /// <param name="progress">Reports (work done, total).</param>
    public static GuillotineResult Guillotine(string checkpoint, KnnOptions? knnOptions = null, LinearProbeOptions? probeOptions = null,
        EvaluationData? data = null, string device = "cpu", Action<long, long>? progress = null)
    {
        using var run = Open(checkpoint, data, device);
        var o = (probeOptions ?? LinearProbeOptions.Default) with { Device = run.Device };
        return Evaluation.Probes.Guillotine.Evaluate(run.Method.Encoder, (run.Method as IHasProjector)?.Projector, run.TrainImages, run.TrainLabels,
            run.TestImages, run.TestLabels, run.EvalTransform, knnOptions, o, progress);
    }

    /// <summary>
    /// <c>sslsharp embed</c>: the backbone features (and, with <paramref name="projector"/>, the projector's embeddings)
    /// of every training and test image, as NumPy files with a CSV of what each row is.
    /// </summary>
    /// <param name="checkpoint">A checkpoint (or run folder) written by <see cref="PretrainRunner"/>.</param>
    /// <param name="output">The <c>.npy</c> file of features <c>[N, D]</c> (float32); beside it <c>NAME.csv</c> with one
    /// row per image (<c>row,split,index,label,class,file</c>; <c>file</c> empty for data sets without one file per image) and, with a projector, <c>NAME.projector.npy</c> <c>[N, E]</c>.
    /// Rows: the training images in order, then the test images.</param>
    /// <param name="projector">Also write the projector's embeddings (an error for a method without one).</param>
    /// <param name="data">Which images (null: the run's data set, all of it); <see cref="EvaluationData.Limit"/> takes the first
    /// images of each split. Embed writes both splits, so it takes no <see cref="EvaluationData.ValSplit"/>.</param>
    /// <param name="device">Device to compute on.</param>
    /// <param name="progress">Reports (images done, images total).</param>
    /// <returns>The files written and the number of rows.</returns>
    public static (IReadOnlyList<string> Files, long Rows) Embed(string checkpoint, string output, bool projector = false, EvaluationData? data = null,
        string device = "cpu", Action<long, long>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        if (!output.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"The output of embed is a .npy file (a CSV is written beside it), got '{output}'.", nameof(output));
        if (data?.ValSplit is not null)
            throw new ArgumentException("embed writes the training and test images as they are; it takes no validation split. Leave out the val split.", nameof(data));
        using var run = Open(ModelExport.IsExport(checkpoint) ? checkpoint : Checkpoint.Locate(checkpoint), data, device, labelledOnly: false);
        var head = (run.Method as IHasProjector)?.Projector;
        if (projector && head is null)
            throw new ArgumentException($"The {run.Config.Method} method has no projector; leave out --projector.", nameof(projector));
        using var scope = torch.NewDisposeScope();
        var (train, test) = run.Features(run.Method.Encoder, progress);
        var features = torch.cat(new[] { train, test });
        var files = new List<string>();
        var full = Path.GetFullPath(output);
        Interop.Npy.Save(full, features);
        files.Add(full);
        if (projector)
        {
            using var noGrad = torch.no_grad();
            run.Method.eval();
            var embeddings = torch.cat(features.split(1024).Select(chunk => head!.call(chunk.to(run.Device)).cpu()).ToList());
            var path = Path.ChangeExtension(full, ".projector.npy");
            Interop.Npy.Save(path, embeddings);
            files.Add(path);
        }
        var csv = Path.ChangeExtension(full, ".csv");
        var names = run.ClassNames;
        AtomicFile.WriteText(csv, writer =>
        {
            writer.WriteLine("row,split,index,label,class,file");
            long row = 0;
            foreach (var (split, labels, sources) in new[] { ("train", run.TrainLabels, run.TrainSources), ("test", run.TestLabels, run.TestSources) })
            {
                var values = labels.to(torch.int64).cpu().data<long>().ToArray();
                for (int i = 0; i < values.Length; i++, row++)
                    writer.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{row},{split},{i},{values[i]},{Csv(values[i] >= 0 && values[i] < names.Count ? names[(int)values[i]] : "")},{Csv(sources?[i] ?? "")}"));
            }
        });
        files.Add(csv);
        return (files, features.shape[0]);
    }

    private static string Csv(string field) =>
        field.IndexOfAny([',', '"', '\n']) < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// The configuration whose folder settings read the data a checkpoint is evaluated on: <paramref name="imageSize"/>
    /// when given (a folder data set only), else the size the checkpoint trained at (its <c>image_size</c>, or the
    /// image size of the fixed-size data set it trained on); grey when it trained grey or on a one-channel data set.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="imageSize"/> is given for a data set of fixed size.</exception>
    public static RunConfig EvaluationConfig(RunConfig config, string? dataset, int? imageSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (imageSize is not null && !string.Equals(DatasetCatalog.Find(dataset ?? config.Dataset).Name, ImageFolder.Name, StringComparison.Ordinal))
            throw new ArgumentException($"--image-size applies to --dataset folder only; {dataset ?? config.Dataset} has a fixed image size.");
        var trained = DatasetCatalog.Find(config.Dataset);
        bool trainedOnFolder = string.Equals(trained.Name, ImageFolder.Name, StringComparison.Ordinal);
        return config with
        {
            ImageSize = imageSize ?? config.ImageSize ?? (trainedOnFolder ? null : trained.ImageSize),
            Grey = config.Grey || (!trainedOnFolder && trained.Mean.Count == 1),
        };
    }

    /// <summary>
    /// The data a checkpoint trained with <paramref name="runConfig"/> is evaluated on: the evaluation configuration
    /// (<see cref="EvaluationConfig"/>), the data set entry, and its training and scored images (the test split, or with
    /// <see cref="EvaluationData.ValSplit"/> the rest of the training images and the held-out ones). The caller owns both
    /// data sets. <see cref="EvaluationData.Limit"/> is left to the caller.
    /// </summary>
    public static (RunConfig Config, DatasetEntry Entry, ImageDataset Train, ImageDataset Test) LoadData(RunConfig runConfig, EvaluationData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var config = EvaluationConfig(runConfig, data.Dataset, data.ImageSize);
        var (dataset, dataDir) = data.Source(config);
        var entry = RunData.Entry(dataset, config);
        var (train, test) = entry.Load(dataDir, 0);
        if (data.ValSplit is { } held && held > 0) (train, test, _) = PretrainRunner.Splits(config with { ValSplit = held }, train, test);
        return (config, entry, train, test);
    }

    private static OpenedCheckpoint Open(string checkpoint, EvaluationData? data, string device, double? dropPath = null,
        bool labelledOnly = true, bool loadWeights = true)
    {
        data ??= EvaluationData.Run;
        if (data.Limit is < 2) throw new ArgumentException($"limit must be at least 2 images, got {data.Limit}.", nameof(data));
        var (config, entry, train, test) = LoadData(ReadConfig(checkpoint), data);
        if (dropPath is { } rate) config = config with { Backbone = config.Backbone with { DropPathRate = rate } }; // not in the state dict
        try
        {
            // kNN, probes and fine-tuning need labels: keep the labelled images (STL-10's unlabelled split drops out).
            // (embed takes every image, labelled or not: unlabelled ones get label -1 in its CSV.)
            if (labelledOnly)
            {
                train = LabelledOnly(train, entry.Name, "training");
                test = LabelledOnly(test, entry.Name, "evaluation");
            }
            var method = PretrainRunner.CreateMethod(config, train.Channels, train.Height);
            if (loadWeights) LoadWeights(checkpoint, method); // else its random initialisation (the run's seed)
            var dev = new torch.Device(device);
            method.to(dev);
            return new OpenedCheckpoint(config, entry, train, test, method, dev, SimCLRAugment.Eval(entry.Mean, entry.Std), data.Limit);
        }
        catch
        {
            train.Dispose();
            test.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="data"/> itself when every image has a label, a new data set of its labelled images when some
    /// have (<paramref name="data"/> is then disposed), and an error when none has.
    /// </summary>
    private static ImageDataset LabelledOnly(ImageDataset data, string dataset, string which)
    {
        using var labelled = RunData.Labelled(data)
            ?? throw new InvalidOperationException(
                $"The {which} images of data set {dataset} have no labels, and this evaluation needs them (kNN, linear probe and fine-tuning " +
                "compare predictions with labels). Put the images in class sub-folders, or run the label-free 'sslsharp eval rank'.");
        if (labelled.Count == data.Count) return data;
        var subset = new ImageDataset(labelled.Images.clone(), labelled.Labels.clone(), data.Name + "-labelled", data.ClassNames);
        data.Dispose();
        return subset;
    }

    /// <summary>A loaded checkpoint: its method (weights loaded, on the device) and the data set's two splits.</summary>
    private sealed class OpenedCheckpoint(RunConfig config, DatasetEntry entry, ImageDataset train, ImageDataset test, SslMethod method,
        torch.Device device, IBatchTransform evalTransform, int? limit) : IDisposable
    {
        public RunConfig Config { get; } = config;
        public DatasetEntry Entry { get; } = entry;
        public SslMethod Method { get; } = method;
        public torch.Device Device { get; } = device;
        public IBatchTransform EvalTransform { get; } = evalTransform;
        public torch.Tensor TrainImages { get; } = Limit(train.Images, limit);
        public torch.Tensor TrainLabels { get; } = Limit(train.Labels, limit);
        public torch.Tensor TestImages { get; } = Limit(test.Images, limit);
        public torch.Tensor TestLabels { get; } = Limit(test.Labels, limit);
        public IReadOnlyList<string> ClassNames { get; } = train.ClassNames;
        public IReadOnlyList<string>? TrainSources { get; } = train.Sources;
        public IReadOnlyList<string>? TestSources { get; } = test.Sources;

        /// <summary>Encoder features of the training and test images (CPU, float32).</summary>
        public (torch.Tensor Train, torch.Tensor Test) Features(torch.nn.Module<torch.Tensor, torch.Tensor> encoder, Action<long, long>? progress)
        {
            long nTrain = TrainImages.shape[0], total = nTrain + TestImages.shape[0];
            using var generator = new torch.Generator(0);
            torch.Tensor Pre(torch.Tensor b) => EvalTransform.Apply(b, generator);
            var a = FeatureExtractor.Extract(encoder, TrainImages, Pre, 256, Device, progress is null ? null : (d, _) => progress(d, total));
            var b = FeatureExtractor.Extract(encoder, TestImages, Pre, 256, Device, progress is null ? null : (d, _) => progress(nTrain + d, total));
            return (a, b);
        }

        private static torch.Tensor Limit(torch.Tensor t, int? limit) =>
            limit is int n && n < t.shape[0] ? t.narrow(0, 0, n).DetachFromDisposeScope() : t;

        public void Dispose()
        {
            Method.Dispose();
            train.Dispose();
            test.Dispose();
        }
    }
}
