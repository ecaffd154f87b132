using SslSharp.Losses;

namespace SslSharp.Methods.Correlation;

/// <summary>The settings of <c>barlowtwins</c> (<see cref="BarlowTwins"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods barlowtwins</c>.</remarks>
[MethodDoc("correlation", "Zbontar et al. 2021, Barlow Twins: Self-Supervised Learning via Redundancy Reduction")]
public sealed record BarlowTwinsOptions
{
    /// <summary>Width of the two hidden projector layers.</summary>
    [Setting("Width of the two hidden projector layers.")]
    public int HiddenDim { get; init; } = 8192;

    /// <summary>Embedding width D.</summary>
    [Setting("Embedding width D.")]
    public int OutputDim { get; init; } = 8192;

    /// <summary>Off-diagonal weight.</summary>
    [Setting("Off-diagonal weight.")]
    public double Lambda { get; init; } = BarlowTwinsLoss.DefaultLambda;

    /// <summary>Factor on the loss (0.024 first official release, 0.1 solo-learn CIFAR).</summary>
    [Setting("Factor on the loss (0.024 first official release, 0.1 solo-learn CIFAR).")]
    public double ScaleLoss { get; init; } = 1.0;

    /// <summary>Learning-rate multiplier of the weight group.</summary>
    [Setting("Learning-rate multiplier of the weight group.")]
    public double LrWeights { get; init; } = 0.2;

    /// <summary>Learning-rate multiplier of the bias / BatchNorm group.</summary>
    [Setting("Learning-rate multiplier of the bias / BatchNorm group.")]
    public double LrBiases { get; init; } = 0.0048;

    /// <summary>Seed of the projector's initialisation.</summary>
    [Setting("Seed of the projector's initialisation.")]
    public long Seed { get; init; } = 0;
}
