using SslSharp.Losses;

namespace SslSharp.Methods.Contrastive;

/// <summary>The settings of <c>dcl</c> (<see cref="DCL"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods dcl</c>.</remarks>
[MethodDoc("contrastive", "Yeh et al. 2022, Decoupled Contrastive Learning (DCL)")]
public record DCLOptions
{
    /// <summary>Temperature T &gt; 0.</summary>
    [Setting("Temperature T > 0.")]
    public double Temperature { get; init; } = DCLLoss.DefaultTemperature;

    /// <summary>Projector hidden width (null: the backbone's feature width).</summary>
    [Setting("Projector hidden width (null: the backbone's feature width).", DefaultText = "<backbone width>")]
    public int? HiddenDim { get; init; }

    /// <summary>Projector output width.</summary>
    [Setting("Projector output width.")]
    public int OutputDim { get; init; } = 128;

    /// <summary>Seed of the projector's weight initialisation.</summary>
    [Setting("Seed of the projector's weight initialisation.")]
    public long Seed { get; init; } = 0;
}
