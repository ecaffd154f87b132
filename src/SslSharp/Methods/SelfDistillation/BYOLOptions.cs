namespace SslSharp.Methods.SelfDistillation;

/// <summary>The settings of <c>byol</c> (<see cref="BYOL"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods byol</c>.</remarks>
[MethodDoc("self-distillation", "Grill et al. 2020, Bootstrap Your Own Latent (BYOL)")]
public sealed record BYOLOptions
{
    /// <summary>Projector hidden width.</summary>
    [Setting("Projector hidden width.")]
    public int ProjectorHiddenDim { get; init; } = 4096;

    /// <summary>Projection (and prediction) width.</summary>
    [Setting("Projection (and prediction) width.")]
    public int OutputDim { get; init; } = 256;

    /// <summary>Predictor hidden width.</summary>
    [Setting("Predictor hidden width.")]
    public int PredictorHiddenDim { get; init; } = 4096;

    /// <summary>Target EMA momentum tau0 at step 0, in [0, 1] (0.996 for 1000 epochs), cosine to 1.</summary>
    [Setting("Target EMA momentum tau0 at step 0, in [0, 1] (0.996 for 1000 epochs), cosine to 1.")]
    public double BaseMomentum { get; init; } = 0.99;

    /// <summary>Seed of the heads' weight initialisation.</summary>
    [Setting("Seed of the heads' weight initialisation.")]
    public long Seed { get; init; } = 0;
}
