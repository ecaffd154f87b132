namespace SslSharp.Evaluation.Decoder;

/// <summary>Settings of the decoder visual evaluation (<see cref="DecoderEvaluation"/>).</summary>
/// <remarks>
/// The decoder probe of the cookbook's evaluation section (Balestriero et al., 2023, "A Cookbook
/// of Self-Supervised Learning", section 4: visual evaluation by training a decoder on the frozen
/// representation, as in Bordes et al., 2022, "High Fidelity Visualization of What Your
/// Self-Supervised Representation Knows About"). Here a small deterministic decoder is fitted
/// with an MSE loss; defaults are chosen to run in well under a minute on 28x28 images on a CPU.
/// </remarks>
public sealed record DecoderOptions
{
    /// <summary>The defaults: 5 epochs, batch 128, Adam lr 1e-3, seed 0, at most 5,000 / 2,000 images, 16 shown.</summary>
    public static DecoderOptions Default { get; } = new();

    /// <summary>Passes over the training features.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Images per decoder step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam learning rate of the decoder.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Seed of the decoder's initialisation, the subset draw and the shuffling.</summary>
    public long Seed { get; init; }

    /// <summary>At most this many training images are used (a seeded random subset when the set is larger).</summary>
    public int MaxTrainImages { get; init; } = 5_000;

    /// <summary>At most this many held-out images are scored (the first ones of the set, so the subset is fixed).</summary>
    public int MaxTestImages { get; init; } = 2_000;

    /// <summary>How many held-out images (the first ones) appear in the reconstruction grid.</summary>
    public int GridImages { get; init; } = 16;

    /// <summary>Channels of the decoder's first 7x7 map; halved at every 2x up-sampling (down to 16).</summary>
    public int BaseChannels { get; init; } = 64;

    /// <summary>Images per forward pass of the frozen encoder while features are extracted.</summary>
    public int ExtractBatchSize { get; init; } = 256;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "The decoder needs at least 1 epoch.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The decoder batch size must be at least 1.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The decoder learning rate must be a finite number > 0 (e.g. 1e-3).");
        if (MaxTrainImages < 1) throw new ArgumentOutOfRangeException(nameof(MaxTrainImages), MaxTrainImages, "Use at least 1 training image.");
        if (MaxTestImages < 1) throw new ArgumentOutOfRangeException(nameof(MaxTestImages), MaxTestImages, "Use at least 1 held-out image.");
        if (GridImages < 1) throw new ArgumentOutOfRangeException(nameof(GridImages), GridImages, "Show at least 1 image in the grid.");
        if (BaseChannels < 1) throw new ArgumentOutOfRangeException(nameof(BaseChannels), BaseChannels, "BaseChannels must be at least 1.");
        if (ExtractBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ExtractBatchSize), ExtractBatchSize, "ExtractBatchSize must be at least 1.");
    }
}
