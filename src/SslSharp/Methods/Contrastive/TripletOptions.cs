namespace SslSharp.Methods.Contrastive;

/// <summary>The settings of <c>triplet</c> (<see cref="DeepMetricLearning"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods triplet</c>.</remarks>
[MethodDoc("contrastive", "Weinberger & Saul 2009 / Schroff et al. 2015 (FaceNet), triplet margin loss on two views with in-batch negatives")]
public sealed record TripletOptions : MarginMethodOptions
{
    /// <summary>The margin loss these settings select (not a setting).</summary>
    public override MarginLossKind Loss => MarginLossKind.Triplet;
}
