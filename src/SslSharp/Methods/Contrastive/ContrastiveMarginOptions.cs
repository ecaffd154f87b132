namespace SslSharp.Methods.Contrastive;

/// <summary>The settings of <c>contrastive-margin</c> (<see cref="DeepMetricLearning"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods contrastive-margin</c>.</remarks>
[MethodDoc("contrastive", "Hadsell, Chopra & LeCun 2006, Dimensionality Reduction by Learning an Invariant Mapping (contrastive margin loss)")]
public sealed record ContrastiveMarginOptions : MarginMethodOptions
{
    /// <summary>The margin loss these settings select (not a setting).</summary>
    public override MarginLossKind Loss => MarginLossKind.Contrastive;
}
