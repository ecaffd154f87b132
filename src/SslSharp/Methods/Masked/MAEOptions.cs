namespace SslSharp.Methods.Masked;

/// <summary>The settings of <c>mae</c> (<see cref="MAE"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods mae</c>.</remarks>
[MethodDoc("masked modelling", "He et al. 2022, Masked Autoencoders Are Scalable Vision Learners (MAE)")]
public sealed record MAEOptions
{
    /// <summary>Masking scheme: random (MAE) or uniform (UM-MAE, one patch of every 2x2 block).</summary>
    [Setting("Masking scheme: random (MAE) or uniform (UM-MAE, one patch of every 2x2 block; ratio fixed at 0.75).")]
    public MAEMasking Masking { get; init; } = MAEMasking.Random;

    /// <summary>Fraction of patches masked under random masking.</summary>
    [Setting("Fraction of patches masked under random masking.")]
    public double MaskRatio { get; init; } = 0.75;

    /// <summary>Decoder width.</summary>
    [Setting("Decoder width (a multiple of 4).")]
    public int DecoderDim { get; init; } = 512;

    /// <summary>Decoder blocks.</summary>
    [Setting("Decoder blocks.")]
    public int DecoderDepth { get; init; } = 8;

    /// <summary>Decoder attention heads.</summary>
    [Setting("Decoder attention heads.")]
    public int DecoderHeads { get; init; } = 16;

    /// <summary>Decoder MLP hidden width over its width.</summary>
    [Setting("Decoder MLP hidden width over its width.")]
    public double DecoderMlpRatio { get; init; } = 4.0;

    /// <summary>Predict per-patch normalised pixels (norm-pix).</summary>
    [Setting("Predict per-patch normalised pixels (norm-pix).")]
    public bool NormPixLoss { get; init; } = true;

    /// <summary>Seed of the decoder initialisation and of the masks.</summary>
    [Setting("Seed of the decoder initialisation and of the masks.")]
    public long Seed { get; init; } = 0;
}
