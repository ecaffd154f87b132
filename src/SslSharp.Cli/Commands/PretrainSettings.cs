using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp pretrain</c>.</summary>
public sealed class PretrainSettings : CommonSettings
{
    /// <summary>Self-supervised method.</summary>
    [CommandOption("-m|--method <NAME>")]
    [Description("Self-supervised method (see [green]sslsharp methods[/]). Default: simclr.")]
    public string? Method { get; init; }

    /// <summary>Data set name.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("Data set: [green]fashion-mnist-embedded[/] (the default; built in: 8,000 train / 2,000 held out), [green]fashion-mnist[/] (60k/10k from --data-dir), [green]cifar10[/], [green]cifar100[/], [green]cifar100-coarse[/], [green]stl10[/], [green]stl10-unlabeled[/] (from --data-dir; add --download), [green]folder[/] (your JPEG/PNG files in --data-dir, class sub-folders for labels).")]
    public string? Dataset { get; init; }

    /// <summary>Folder with the data set files.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the data set files, e.g. /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).")]
    public string? DataDir { get; init; }

    /// <summary>Fetch the data set's official archive into <see cref="DataDir"/> first.</summary>
    [CommandOption("--download")]
    [Description("Fetch the data set's official archive (cifar10, cifar100, stl10) into --data-dir first: resumes a partial file, checks its SHA-256, unpacks it; nothing is fetched when the data is there.")]
    public bool Download { get; init; }

    /// <summary>A mirror to download from.</summary>
    [CommandOption("--download-from <URL>")]
    [Description("With --download: fetch the archive from this base address (a mirror) instead of the official one.")]
    public string? DownloadFrom { get; init; }

    /// <summary>Folder data sets: side of the stored images.</summary>
    [CommandOption("--image-size <PX>")]
    [Description("--dataset folder: resize each image's shorter side to PX and keep the centre square. Default: 64.")]
    public int? ImageSize { get; init; }

    /// <summary>Folder data sets: decode to grey.</summary>
    [CommandOption("--grey")]
    [Description("--dataset folder: decode the images to grey (1 channel) instead of colour.")]
    public bool Grey { get; init; }

    /// <summary>Folder data sets: stop at an unreadable image.</summary>
    [CommandOption("--strict")]
    [Description("--dataset folder: stop at the first unreadable image instead of skipping it with a warning.")]
    public bool Strict { get; init; }

    /// <summary>Folder data sets: stream from disk with this many decode threads.</summary>
    [CommandOption("--workers <N>")]
    [Description("--dataset folder: stream the training images from disk, decoded and augmented by N worker threads (for folders too large for memory; the same batches as in memory). Default 0: decode the whole folder into memory first.")]
    public int? Workers { get; init; }

    /// <summary>Backbone architecture.</summary>
    [CommandOption("-b|--backbone <NAME>")]
    [Description("Backbone: convnet, resnet18, resnet34, resnet50, vit-tiny, vit-small, vit-base, vit-cpu. Default: convnet on the embedded data, resnet18 otherwise. A ViT picks the method's ViT recipe when it has one (dino, mocov3: AdamW, warm-up, ViT settings).")]
    public string? Backbone { get; init; }

    /// <summary>Width multiplier.</summary>
    [CommandOption("--width <W>")]
    [Description("Width multiplier of the backbone's channels. Default: 0.5 for the ConvNet demo, 1 otherwise.")]
    public double? Width { get; init; }

    /// <summary>Max-pool after the ResNet stem.</summary>
    [CommandOption("--stem-maxpool <BOOL>")]
    [Description("ResNets: end the low-res 3x3 stem with a stride-2 max-pool (28x28 -> 14x14 at layer1, ~4x cheaper). Default: false.")]
    public bool? StemMaxPool { get; init; }

    /// <summary>ViT patch size.</summary>
    [CommandOption("--patch-size <P>")]
    [Description("ViTs: patch side in pixels; must divide the image size (28 px: 4 or 7; 32 px: 4). Default: the ViT's own.")]
    public int? PatchSize { get; init; }

    /// <summary>Number of epochs.</summary>
    [CommandOption("-e|--epochs <N>")]
    [Description("Training epochs.")]
    public int? Epochs { get; init; }

    /// <summary>Batch size.</summary>
    [CommandOption("--batch-size <N>")]
    [Description("Images per step (each gives two views).")]
    public int? BatchSize { get; init; }

    /// <summary>Batches accumulated per optimizer step.</summary>
    [CommandOption("--accumulate <K>")]
    [Description("Accumulate the gradients of K batches per optimizer step: an effective batch of K x --batch-size on a small machine (the loss is still computed per batch). Default 1.")]
    public int? Accumulate { get; init; }

    /// <summary>Base learning rate.</summary>
    [CommandOption("--lr <LR>")]
    [Description("Base learning rate, scaled by batch/256.")]
    public double? Lr { get; init; }

    /// <summary>Warmup epochs.</summary>
    [CommandOption("--warmup-epochs <N>")]
    [Description("Linear lr warmup before the cosine decay. Default: the method's, at most a tenth of the run.")]
    public double? WarmupEpochs { get; init; }

    /// <summary>Optimizer.</summary>
    [CommandOption("--optimizer <NAME>")]
    [Description("sgd, adamw or lars.")]
    public string? Optimizer { get; init; }

    /// <summary>A preset file.</summary>
    [CommandOption("--preset <FILE>")]
    [Description("A preset YAML (batch_size, optimizer, learning_rate, weight_decay, options, augment, ...) used instead of the method's built-in one.")]
    public string? Preset { get; init; }

    /// <summary>A run's <c>config.yaml</c> to repeat.</summary>
    [CommandOption("--config <FILE>")]
    [Description("Repeat a run: start from its resolved config.yaml (e.g. runs/X/config.yaml); other options and --set change single keys, and the new config.yaml says which.")]
    public string? Config { get; init; }

    /// <summary>Weights that start the backbone.</summary>
    [CommandOption("--init-from <FILE>")]
    [Description("Start the backbone from a safetensors file (sslsharp export, or torchvision/timm weights with the same names) instead of random weights.")]
    public string? InitFrom { get; init; }

    /// <summary>Method settings.</summary>
    [CommandOption("--set <KEY=VALUE>")]
    [Description("A method setting, e.g. [green]--set temperature=0.2[/] (repeatable; see [green]sslsharp methods[/]); [green]backbone.KEY=VALUE[/] sets the backbone instead, e.g. [green]--set backbone.frozen_patch_projection=true[/], [green]backbone.drop_path_rate=0.1[/], [green]backbone.pooling=mean[/], [green]backbone.layer_scale_init=0.1[/].")]
    public string[] Set { get; init; } = [];

    /// <summary>Seed.</summary>
    [CommandOption("--seed <N>")]
    [Description("Seed of every random draw; the same seed and options give the same run. Default: 0 (or the --config file's).")]
    public long? Seed { get; init; }

    /// <summary>Device.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda (needs TorchSharp's CUDA build). Default: cpu (or the --config file's).")]
    public string? Device { get; init; }

    /// <summary>Run folder.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("Run folder. Default: runs/<method>-<dataset>-<time>.")]
    public string? Out { get; init; }

    /// <summary>Validation split held out of the training images.</summary>
    [CommandOption("--val-split <N>")]
    [Description("Hold out N training images (or a fraction below 1), seeded, and evaluate on them instead of the test set: choose settings on this split, read the test set once.")]
    public double? ValSplit { get; init; }

    /// <summary>Replace the files of a non-empty <see cref="Out"/> folder.</summary>
    [CommandOption("--overwrite")]
    [Description("Delete what the --out folder holds and start a new run there (without it, a non-empty --out is refused).")]
    public bool Overwrite { get; init; }

    /// <summary>Checkpoint to resume.</summary>
    [CommandOption("--resume <CKPT>")]
    [Description("Resume from a checkpoint (e.g. runs/X/last.ckpt) with the configuration stored in it, into its folder.")]
    public string? Resume { get; init; }

    /// <summary>kNN every N epochs.</summary>
    [CommandOption("--knn-every <N>")]
    [Description("Also run the kNN evaluation every N epochs (0, the default: only at the end).")]
    public int? KnnEvery { get; init; }

    /// <summary>Label-free diagnostics every N epochs.</summary>
    [CommandOption("--diagnostics-every <N>")]
    [Description("Label-free diagnostics (RankMe, alpha-ReQ, embedding std, alignment/uniformity; collapse warning) every N epochs; 0: only at the end. Default 5.")]
    public int? DiagnosticsEvery { get; init; }

    /// <summary>Online linear probe on or off.</summary>
    [CommandOption("--online-probe <BOOL>")]
    [Description("Train a linear probe on the detached features alongside pretraining (logs online_probe_top1 per epoch; needs labels). Default: true.")]
    public bool? OnlineProbe { get; init; }

    /// <summary>Cap on steps.</summary>
    [CommandOption("--max-steps <N>", IsHidden = true)]
    public long? MaxSteps { get; init; }

    private static readonly System.Text.RegularExpressions.Regex DeviceName = new(@"^(cpu|cuda(:\d+)?)$");

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (Epochs is <= 0) return ValidationResult.Error("--epochs must be positive.");
        if (BatchSize is <= 1) return ValidationResult.Error("--batch-size must be at least 2.");
        if (Accumulate is < 1) return ValidationResult.Error("--accumulate must be at least 1.");
        if (Width is { } w && !(w > 0 && double.IsFinite(w))) return ValidationResult.Error($"--width must be a positive number, got {w}.");
        if (Lr is { } lr && !(lr > 0 && double.IsFinite(lr))) return ValidationResult.Error($"--lr must be a positive number, got {lr}.");
        if (WarmupEpochs is { } we && !(we >= 0 && double.IsFinite(we))) return ValidationResult.Error($"--warmup-epochs must be 0 or a positive number, got {we}.");
        if (ValSplit is { } v && !(v >= 0 && double.IsFinite(v) && (v < 1 || v == Math.Floor(v))))
            return ValidationResult.Error($"--val-split takes a count of images or a fraction below 1, got {v}.");
        if (Device is not null && !DeviceName.IsMatch(Device)) return ValidationResult.Error($"--device must be cpu, cuda or cuda:N, got '{Device}'.");
        if (Config is not null)
            foreach (var (given, option) in new[] { (Method, "--method"), (Dataset, "--dataset"), (Preset, "--preset"), (Resume, "--resume") })
                if (given is not null)
                    return ValidationResult.Error($"{option} cannot be combined with --config: the file names the {option.TrimStart('-')} (change single keys with the other options or --set).");
        if (Resume is not null)
        {
            foreach (var (given, option) in new[] { (Method, "--method"), (Dataset, "--dataset"), (Preset, "--preset") })
                if (given is not null)
                    return ValidationResult.Error($"{option} cannot be combined with --resume: a resumed run keeps the {option.TrimStart('-')} stored in its checkpoint.");
            // The checkpoint's weights fit the stored backbone only: a changed architecture would fail later, in the weights' load.
            var changed = new (object? Given, string Option)[] { (Backbone, "--backbone"), (Width, "--width"), (StemMaxPool, "--stem-maxpool"), (PatchSize, "--patch-size") }
                .Where(o => o.Given is not null).Select(o => o.Option)
                .Concat(Set.Where(kv => kv.StartsWith("backbone.", StringComparison.OrdinalIgnoreCase)).Select(kv => $"--set {kv}"))
                .FirstOrDefault();
            if (changed is not null)
                return ValidationResult.Error($"{changed} cannot be combined with --resume: a resumed run keeps the backbone stored in its checkpoint (its weights fit no other).");
        }
        if (DataDir is not null && Config is null && string.Equals(Dataset ?? Runs.PretrainDefaults.Dataset, Data.FashionMnist.EmbeddedName, StringComparison.OrdinalIgnoreCase))
            return ValidationResult.Error($"--data-dir has no effect on the built-in data set {Data.FashionMnist.EmbeddedName}: add --dataset fashion-mnist to read the files in '{DataDir}'.");
        if ((ImageSize is not null || Grey || Strict) && Resume is null
            && !string.Equals(Dataset, Data.ImageFolder.Name, StringComparison.OrdinalIgnoreCase))
            return ValidationResult.Error("--image-size, --grey and --strict apply to --dataset folder only (the other data sets have a fixed size and colour).");
        if (Workers is < 0) return ValidationResult.Error($"--workers must be 0 (decode into memory) or a number of decode threads, got {Workers}.");
        if (Workers is > 0 && Resume is null && Config is null && !string.Equals(Dataset, Data.ImageFolder.Name, StringComparison.OrdinalIgnoreCase))
            return ValidationResult.Error("--workers streams --dataset folder only (the other data sets are read into memory).");
        if (DownloadFrom is not null && !Download) return ValidationResult.Error("--download-from only takes effect with --download.");
        if (WarmupEpochs is not null && WarmupEpochs >= (Epochs ?? int.MaxValue))
            return ValidationResult.Error("--warmup-epochs must be smaller than --epochs.");
        foreach (var kv in Set)
            if (kv.IndexOf('=') is <= 0 || kv.EndsWith('='))
                return ValidationResult.Error($"--set takes KEY=VALUE, got '{kv}'.");
        if (KnnEvery < 0) return ValidationResult.Error("--knn-every must be 0 or positive.");
        if (DiagnosticsEvery < 0) return ValidationResult.Error("--diagnostics-every must be 0 or positive.");
        if (ValSplit is not null && Resume is not null)
            return ValidationResult.Error("--val-split cannot be combined with --resume: a resumed run keeps the split stored in its checkpoint.");
        if (InitFrom is not null && Resume is not null)
            return ValidationResult.Error("--init-from cannot be combined with --resume: a resumed run continues from its checkpoint's weights.");
        if (InitFrom is not null && !File.Exists(InitFrom))
            return ValidationResult.Error($"--init-from: the file '{InitFrom}' does not exist.");
        if (Overwrite && Resume is not null) return ValidationResult.Error("--overwrite and --resume contradict each other: --resume continues the run in its folder.");
        return ValidationResult.Success();
    }
}
