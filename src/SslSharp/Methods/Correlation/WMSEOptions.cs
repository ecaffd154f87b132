namespace SslSharp.Methods.Correlation;

/// <summary>The settings of <c>wmse</c> (<see cref="WMSE"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods wmse</c>.</remarks>
[MethodDoc("correlation", "Ermolov et al. 2021, Whitening for Self-Supervised Representation Learning (W-MSE)")]
public sealed record WMSEOptions
{
    /// <summary>Projector hidden width (official: 1024).</summary>
    [Setting("Projector hidden width (official: 1024).")]
    public int HiddenDim { get; init; } = 1024;

    /// <summary>Embedding dimension D (official CIFAR: 64).</summary>
    [Setting("Embedding dimension D (official CIFAR: 64).")]
    public int OutputDim { get; init; } = 64;

    /// <summary>Whitening sub-batch w &gt; D (official CIFAR: 128).</summary>
    [Setting("Whitening sub-batch w > D (official CIFAR: 128).")]
    public int WhiteningSize { get; init; } = 128;

    /// <summary>Permutations per step (official w_iter: 1).</summary>
    [Setting("Permutations per step (official w_iter: 1).")]
    public int Iterations { get; init; } = 1;

    /// <summary>Covariance shrinkage in [0, 1) (official w_eps: 0).</summary>
    [Setting("Covariance shrinkage in [0, 1) (official w_eps: 0).")]
    public double WhiteningEps { get; init; } = 0;

    /// <summary>Seed of the projector initialisation and of the sub-batch permutations.</summary>
    [Setting("Seed of the projector initialisation and of the sub-batch permutations.")]
    public long Seed { get; init; } = 0;
}
