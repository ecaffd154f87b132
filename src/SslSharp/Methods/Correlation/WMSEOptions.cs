namespace SslSharp.Methods.Correlation;

/// <summary>The settings of <c>wmse</c> (<see cref="WMSE"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods wmse</c>.</remarks>
[MethodDoc("correlation", "Ermolov et al. 2021, Whitening for Self-Supervised Representation Learning (W-MSE)")]
public sealed record WMSEOptions
{
    /// <summary>Projector hidden width.</summary>
    [Setting("Projector hidden width.")]
    public int HiddenDim { get; init; } = 1024;

    /// <summary>Embedding dimension D.</summary>
    [Setting("Embedding dimension D.")]
    public int OutputDim { get; init; } = 64;

    /// <summary>Whitening sub-batch w &gt; D.</summary>
    [Setting("Whitening sub-batch w > D.")]
    public int WhiteningSize { get; init; } = 128;

    /// <summary>Permutations per step.</summary>
    [Setting("Permutations per step.")]
    public int Iterations { get; init; } = 1;

    /// <summary>Covariance shrinkage in [0, 1).</summary>
    [Setting("Covariance shrinkage in [0, 1).")]
    public double WhiteningEps { get; init; } = 0;

    /// <summary>Seed of the projector initialisation and of the sub-batch permutations.</summary>
    [Setting("Seed of the projector initialisation and of the sub-batch permutations.")]
    public long Seed { get; init; } = 0;
}
