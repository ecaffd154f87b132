namespace SslSharp.Methods.Masked;

/// <summary>The settings of <c>ijepa</c> (<see cref="IJEPA"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods ijepa</c>.
/// Block scales and aspects are <see cref="Modules.Masking.MultiBlockMasking"/>'s defaults (targets 0.15-0.2 of the grid, aspect 0.75-1.5; context 0.85-1).</remarks>
[MethodDoc("masked modelling", "Assran et al. 2023, Self-Supervised Learning from Images with a Joint-Embedding Predictive Architecture (I-JEPA)")]
public sealed record IJEPAOptions
{
    /// <summary>Predictor width.</summary>
    [Setting("Predictor width (a multiple of 4).")]
    public int PredictorDim { get; init; } = 384;

    /// <summary>Predictor blocks.</summary>
    [Setting("Predictor blocks.")]
    public int PredictorDepth { get; init; } = 12;

    /// <summary>Predictor attention heads.</summary>
    [Setting("Predictor attention heads.")]
    public int PredictorHeads { get; init; } = 16;

    /// <summary>Target blocks per image.</summary>
    [Setting("Target blocks per image.")]
    public int TargetBlocks { get; init; } = 4;

    /// <summary>A block must keep more than this many patches.</summary>
    [Setting("A block must keep more than this many patches.")]
    public int MinKeep { get; init; } = 4;

    /// <summary>Target-encoder EMA momentum at step 0, linear to 1.</summary>
    [Setting("Target-encoder EMA momentum at step 0, linear to 1.")]
    public double BaseMomentum { get; init; } = 0.996;

    /// <summary>Seed of the predictor initialisation and of the masks.</summary>
    [Setting("Seed of the predictor initialisation and of the masks.")]
    public long Seed { get; init; } = 0;
}
