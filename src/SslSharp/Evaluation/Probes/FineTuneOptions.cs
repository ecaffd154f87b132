using System.Text.Json.Serialization;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Training;
using SslSharp.Training.Optim;

namespace SslSharp.Evaluation.Probes;

/// <summary>Settings of <see cref="FineTune"/>.</summary>
/// <remarks>
/// Defaults: SGD, momentum 0.9, weight decay 1e-4 on weights (not biases / norms), base lr 1.0 x
/// batch / 256, cosine to 0 per step, 10 epochs. ImageNet fine-tuning recipes train 100 epochs
/// (MAE <c>main_finetune.py</c>, with AdamW and layer-wise lr decay for ViTs); a few epochs suffice to
/// compare representations on small data. Layer-wise lr decay of ViTs: <see cref="LayerDecay"/>.
/// How the defaults were chosen: docs/experiments.md#fine-tuning-defaults.
/// </remarks>
public sealed record FineTuneOptions
{
    /// <summary>Passes over the training images (default 10).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Images per optimizer step (default 128).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Base learning rate for a batch of 256; peak = <c>LearningRate x BatchSize / 256</c> (default 1.0).</summary>
    public double LearningRate { get; init; } = 1.0;

    /// <summary>Multiplier on the backbone's learning rate relative to the head's (default 1).</summary>
    public double BackboneLrScale { get; init; } = 1.0;

    /// <summary>Layer-wise lr decay of a ViT backbone (<see cref="Core.ParameterGroups.LayerDecay"/>; MAE: 0.65 for ViT-B,
    /// 0.75 for ViT-L); null (default): every backbone layer at <see cref="BackboneLrScale"/>.</summary>
    public double? LayerDecay { get; init; }

    /// <summary><see cref="OptimizerKind.Sgd"/> (default) or <see cref="OptimizerKind.AdamW"/> (betas 0.9, 0.999, as MAE's
    /// <c>main_finetune.py</c>; <see cref="Momentum"/> is then unused).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>SGD momentum (default 0.9).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay of weights (biases and norm parameters get none; default 1e-4).</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Linear warmup, in epochs, before the cosine decay (default 0).</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>Seed of the head's initialisation, the shuffles and the augmentations.</summary>
    public long Seed { get; init; }

    /// <summary>Images per forward pass when measuring test accuracy (default 512).</summary>
    public int EvalBatchSize { get; init; } = 512;

    /// <summary>Device to train on; null keeps the backbone's device.</summary>
    [JsonIgnore]
    public TorchSharp.torch.Device? Device { get; init; }

    /// <summary>
    /// Builds the optimizer's parameter groups from the backbone and the head; null (default): the
    /// backbone's <see cref="Core.ParameterGroups.SplitDecay"/> groups (or, with <see cref="LayerDecay"/>, its
    /// <see cref="Core.ParameterGroups.LayerDecay"/> groups) with <see cref="BackboneLrScale"/>, then the head's.
    /// </summary>
    [JsonIgnore]
    public Func<Backbone, LinearClassifier, IReadOnlyList<ParameterGroup>>? ParameterGroups { get; init; }

    /// <summary>The defaults.</summary>
    public static FineTuneOptions Default { get; } = new();

    /// <summary>Throws a clear error when a setting is out of range.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Fine-tune epochs must be >= 1, got {Epochs}.");
        if (BatchSize < 2) throw new ArgumentException($"Fine-tune batch size must be >= 2 (BatchNorm needs two images), got {BatchSize}.");
        if (EvalBatchSize < 1) throw new ArgumentException($"Fine-tune eval batch size must be >= 1, got {EvalBatchSize}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"Fine-tune learning rate must be a positive number, got {LearningRate}.");
        if (!(BackboneLrScale >= 0) || !double.IsFinite(BackboneLrScale)) throw new ArgumentException($"Fine-tune backbone lr scale must be >= 0, got {BackboneLrScale}.");
        if (LayerDecay is { } ld && !(ld > 0 && ld <= 1)) throw new ArgumentException($"Fine-tune layer decay must be in (0, 1] (e.g. 0.65), got {ld}.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"Fine-tune momentum must be in [0, 1), got {Momentum}.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw new ArgumentException($"Fine-tune weight decay must be >= 0, got {WeightDecay}.");
        if (Optimizer is not (OptimizerKind.Sgd or OptimizerKind.AdamW))
            throw new ArgumentException($"Fine-tuning runs with sgd or adamw, not {Optimizers.NameOf(Optimizer)}.");
        if (!(WarmupEpochs >= 0) || WarmupEpochs >= Epochs) throw new ArgumentException($"Fine-tune warmup ({WarmupEpochs} epochs) must be >= 0 and shorter than the run ({Epochs} epochs).");
    }
}
