using SslSharp.Losses;

namespace SslSharp.Methods.Contrastive;

/// <summary>The settings of <c>dclw</c> (<see cref="DCL"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods dclw</c>.</remarks>
[MethodDoc("contrastive", "Yeh et al. 2022, Decoupled Contrastive Learning (DCLW, von Mises-Fisher weighted positives)")]
public sealed record DCLWOptions : DCLOptions
{
    /// <summary>Width of the von Mises-Fisher weighting of the positives, &gt; 0 (paper: 0.5).</summary>
    [Setting("Width of the von Mises-Fisher weighting of the positives, > 0.")]
    public double Sigma { get; init; } = DCLLoss.DefaultSigma;
}
