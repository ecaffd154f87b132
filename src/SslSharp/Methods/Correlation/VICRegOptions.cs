namespace SslSharp.Methods.Correlation;

/// <summary>The settings of <c>vicreg</c> (<see cref="VICReg"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods vicreg</c>.</remarks>
[MethodDoc("correlation", "Bardes, Ponce, LeCun 2022, VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised Learning")]
public sealed record VICRegOptions
{
    /// <summary>Width of the two hidden expander layers.</summary>
    [Setting("Width of the two hidden expander layers.")]
    public int HiddenDim { get; init; } = 8192;

    /// <summary>Embedding width D.</summary>
    [Setting("Embedding width D.")]
    public int OutputDim { get; init; } = 8192;

    /// <summary>Invariance weight.</summary>
    [Setting("Invariance weight.")]
    public double SimCoeff { get; init; } = 25;

    /// <summary>Variance weight.</summary>
    [Setting("Variance weight.")]
    public double StdCoeff { get; init; } = 25;

    /// <summary>Covariance weight.</summary>
    [Setting("Covariance weight.")]
    public double CovCoeff { get; init; } = 1;

    /// <summary>Seed of the expander's initialisation.</summary>
    [Setting("Seed of the expander's initialisation.")]
    public long Seed { get; init; } = 0;
}
