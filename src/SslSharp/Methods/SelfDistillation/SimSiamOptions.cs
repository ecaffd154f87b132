namespace SslSharp.Methods.SelfDistillation;

/// <summary>The settings of <c>simsiam</c> (<see cref="SimSiam"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods simsiam</c>.</remarks>
[MethodDoc("self-distillation", "Chen & He 2021, Exploring Simple Siamese Representation Learning (SimSiam)")]
public sealed record SimSiamOptions
{
    /// <summary>Projector hidden width.</summary>
    [Setting("Projector hidden width.")]
    public int ProjectorHiddenDim { get; init; } = 2048;

    /// <summary>Projection width.</summary>
    [Setting("Projection width.")]
    public int OutputDim { get; init; } = 2048;

    /// <summary>Predictor bottleneck width.</summary>
    [Setting("Predictor bottleneck width.")]
    public int PredictorHiddenDim { get; init; } = 512;

    /// <summary>Detach the targets (false only for collapse experiments).</summary>
    [Setting("Detach the targets (false only for collapse experiments).")]
    public bool StopGradient { get; init; } = true;

    /// <summary>Seed of the heads' weight initialisation.</summary>
    [Setting("Seed of the heads' weight initialisation.")]
    public long Seed { get; init; } = 0;
}
