namespace SslSharp.Methods.Contrastive;

/// <summary>The settings of <c>mocov3</c> (<see cref="MoCoV3"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods mocov3</c>.</remarks>
[MethodDoc("contrastive", "Chen, Xie, He 2021, An Empirical Study of Training Self-Supervised Vision Transformers (MoCo v3)")]
public sealed record MoCoV3Options
{
    /// <summary>Softmax temperature T &gt; 0 (1.0 ResNet, 0.2 ViT).</summary>
    [Setting("Softmax temperature T > 0 (1.0 ResNet, 0.2 ViT).")]
    public double Temperature { get; init; } = 1.0;

    /// <summary>Projector and predictor hidden width.</summary>
    [Setting("Projector and predictor hidden width.")]
    public int HiddenDim { get; init; } = 4096;

    /// <summary>Projector/predictor output width.</summary>
    [Setting("Projector/predictor output width.")]
    public int OutputDim { get; init; } = 256;

    /// <summary>Predictor hidden width (null: hidden_dim).</summary>
    [Setting("Predictor hidden width (null: hidden_dim).", DefaultText = "<hidden_dim>")]
    public int? PredictorHiddenDim { get; init; }

    /// <summary>Projector Linear layers (2 ResNet, 3 ViT).</summary>
    [Setting("Projector Linear layers (2 ResNet, 3 ViT).")]
    public int ProjectorLayers { get; init; } = 2;

    /// <summary>Momentum at step 0, cosine to final_momentum.</summary>
    [Setting("Momentum at step 0, cosine to final_momentum.")]
    public double BaseMomentum { get; init; } = 0.99;

    /// <summary>Momentum at the last step.</summary>
    [Setting("Momentum at the last step.")]
    public double FinalMomentum { get; init; } = 1.0;

    /// <summary>Seed of the heads' initialisation.</summary>
    [Setting("Seed of the heads' initialisation.")]
    public long Seed { get; init; } = 0;
}
