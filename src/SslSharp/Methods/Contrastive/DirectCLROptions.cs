using SslSharp.Losses;

namespace SslSharp.Methods.Contrastive;

/// <summary>The settings of <c>directclr</c> (<see cref="DirectCLR"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods directclr</c>.</remarks>
[MethodDoc("contrastive", "Jing et al. 2022, Understanding Dimensional Collapse in Contrastive Self-supervised Learning (DirectCLR)")]
public sealed record DirectCLROptions
{
    /// <summary>Leading representation dimensions d0 the loss sees, 1 &lt;= d0 &lt;= the backbone's width.</summary>
    [Setting("Leading representation dimensions d0 the loss sees, 1 <= d0 <= the backbone's width.")]
    public int SubvectorDim { get; init; } = 360;

    /// <summary>InfoNCE temperature T &gt; 0 (official: 0.1).</summary>
    [Setting("InfoNCE temperature T > 0.")]
    public double Temperature { get; init; } = CrossViewInfoNCELoss.DefaultTemperature;

    /// <summary>Accepted for uniformity with the other methods; DirectCLR has no randomly initialised head.</summary>
    [Setting("Accepted for uniformity with the other methods; DirectCLR has no randomly initialised head.")]
    public long Seed { get; init; } = 0;
}
