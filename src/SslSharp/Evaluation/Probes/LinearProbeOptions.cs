namespace SslSharp.Evaluation.Probes;

/// <summary>Settings of an offline <see cref="LinearProbe"/>. Defaults follow the linear-evaluation protocol of docs/evaluation.md#linear-probe.</summary>
/// <remarks>
/// Defaults: SGD with momentum 0.9, no weight decay, base learning rate 0.1 scaled by batch / 256,
/// cosine decay per step to 0, non-affine BatchNorm before the linear layer (MoCo v3
/// <c>main_lincls.py</c>: SGD, momentum 0.9, wd 0, cosine, lr x batch / 256; MAE <c>main_linprobe.py</c>:
/// BatchNorm1d(affine=False) head, LARS with wd 0). Those protocols train 90-100 epochs on ImageNet;
/// on cached features of a small data set a few epochs already converge, so the default is 10.
/// Nesterov momentum (optional in some protocols) is not offered: the shared <c>Sgd</c> optimizer
/// implements heavy-ball momentum only.
/// </remarks>
public sealed record LinearProbeOptions
{
    /// <summary>Passes over the training features (default 10).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per optimizer step (default 256).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Base learning rate for a batch of 256; the peak rate is <c>LearningRate x BatchSize / 256</c> (default 0.1).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Momentum of SGD / LARS (default 0.9).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay of the linear weights (never of the bias; default 0).</summary>
    public double WeightDecay { get; init; }

    /// <summary><c>sgd</c> (default) or <c>lars</c> (the shared <c>Training.Optim</c> implementations).</summary>
    public string Optimizer { get; init; } = "sgd";

    /// <summary>LARS trust coefficient (default 1e-3, as MoCo v3 / MAE).</summary>
    public double LarsEta { get; init; } = 1e-3;

    /// <summary>Linear warmup, in epochs, before the cosine decay (default 0).</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>Whether a non-affine BatchNorm1d standardises the features before the linear layer (default true).</summary>
    public bool BatchNorm { get; init; } = true;

    /// <summary>Whether the training rows are reshuffled every epoch (seeded; default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the head's initialisation and of the shuffles.</summary>
    public long Seed { get; init; }

    /// <summary>Rows per forward pass when measuring accuracy (default 1024).</summary>
    public int EvalBatchSize { get; init; } = 1024;

    /// <summary>Device to train on; null keeps the features' device.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TorchSharp.torch.Device? Device { get; init; }

    /// <summary>The defaults.</summary>
    public static LinearProbeOptions Default { get; } = new();

    /// <summary>Throws a clear error when a setting is out of range.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Linear probe epochs must be >= 1, got {Epochs}.");
        if (BatchSize < 2) throw new ArgumentException($"Linear probe batch size must be >= 2 (BatchNorm needs two rows), got {BatchSize}.");
        if (EvalBatchSize < 1) throw new ArgumentException($"Linear probe eval batch size must be >= 1, got {EvalBatchSize}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"Linear probe learning rate must be a positive number, got {LearningRate}.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"Linear probe momentum must be in [0, 1), got {Momentum}.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw new ArgumentException($"Linear probe weight decay must be >= 0, got {WeightDecay}.");
        if (!(WarmupEpochs >= 0) || WarmupEpochs >= Epochs) throw new ArgumentException($"Linear probe warmup ({WarmupEpochs} epochs) must be >= 0 and shorter than the run ({Epochs} epochs).");
        if (Optimizer is not ("sgd" or "lars")) throw new ArgumentException($"Linear probe optimizer must be 'sgd' or 'lars', got '{Optimizer}'.");
    }
}
