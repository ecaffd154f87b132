namespace SslSharp.Methods.Masked;

/// <summary>The settings of <c>ibot</c> (<see cref="IBOT"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods ibot</c>.
/// The block masks use <see cref="Modules.Masking.BlockMasking"/>'s rectangle shapes (aspect 0.3 - 1/0.3, smallest area <c>(min(H, W)/3)^2</c>).</remarks>
[MethodDoc("masked modelling", "Zhou et al. 2022, iBOT: Image BERT Pre-Training with Online Tokenizer (iBOT)")]
public sealed record IBOTOptions
{
    /// <summary>Prototypes K of the head shared by the [CLS] and patch tokens.</summary>
    [Setting("Prototypes K of the head shared by the [CLS] and patch tokens.")]
    public int OutDim { get; init; } = 8192;

    /// <summary>Head hidden width.</summary>
    [Setting("Head hidden width.")]
    public int HiddenDim { get; init; } = 2048;

    /// <summary>Head bottleneck width.</summary>
    [Setting("Head bottleneck width.")]
    public int BottleneckDim { get; init; } = 256;

    /// <summary>Linear layers of the head MLP.</summary>
    [Setting("Linear layers of the head MLP.")]
    public int HeadLayers { get; init; } = 3;

    /// <summary>Freeze the last layer's weight-norm scale at 1.</summary>
    [Setting("Freeze the last layer's weight-norm scale at 1.")]
    public bool NormLastLayer { get; init; } = true;

    /// <summary>Student temperature.</summary>
    [Setting("Student temperature.")]
    public double StudentTemp { get; init; } = 0.1;

    /// <summary>Teacher [CLS] temperature after the warm-up.</summary>
    [Setting("Teacher [CLS] temperature after the warm-up.")]
    public double TeacherTemp { get; init; } = 0.04;

    /// <summary>Teacher [CLS] temperature at epoch 0.</summary>
    [Setting("Teacher [CLS] temperature at epoch 0.")]
    public double WarmupTeacherTemp { get; init; } = 0.04;

    /// <summary>Teacher patch temperature after the warm-up.</summary>
    [Setting("Teacher patch temperature after the warm-up.")]
    public double TeacherPatchTemp { get; init; } = 0.07;

    /// <summary>Teacher patch temperature at epoch 0.</summary>
    [Setting("Teacher patch temperature at epoch 0.")]
    public double WarmupTeacherPatchTemp { get; init; } = 0.04;

    /// <summary>Epochs of the linear warm-up of both teacher temperatures.</summary>
    [Setting("Epochs of the linear warm-up of both teacher temperatures.")]
    public int WarmupTeacherTempEpochs { get; init; } = 30;

    /// <summary>Momentum of the [CLS] centre.</summary>
    [Setting("Momentum of the [CLS] centre.")]
    public double CenterMomentum { get; init; } = 0.9;

    /// <summary>Momentum of the patch centre.</summary>
    [Setting("Momentum of the patch centre.")]
    public double PatchCenterMomentum { get; init; } = 0.9;

    /// <summary>Weight of the [CLS] loss (iBOT's lambda1).</summary>
    [Setting("Weight of the [CLS] loss (iBOT's lambda1).")]
    public double ClsLossWeight { get; init; } = 1.0;

    /// <summary>Weight of the masked-patch loss (iBOT's lambda2).</summary>
    [Setting("Weight of the masked-patch loss (iBOT's lambda2).")]
    public double PatchLossWeight { get; init; } = 1.0;

    /// <summary>Smallest share of patches masked in a masked image.</summary>
    [Setting("Smallest share of patches masked in a masked image.")]
    public double MaskRatioMin { get; init; } = 0.1;

    /// <summary>Largest share of patches masked in a masked image.</summary>
    [Setting("Largest share of patches masked in a masked image.")]
    public double MaskRatioMax { get; init; } = 0.5;

    /// <summary>Probability that a global crop of an image is masked at all.</summary>
    [Setting("Probability that a global crop of an image is masked at all.")]
    public double MaskProbability { get; init; } = 0.5;

    /// <summary>Teacher EMA momentum at step 0, cosine to 1.</summary>
    [Setting("Teacher EMA momentum at step 0, cosine to 1.")]
    public double BaseMomentum { get; init; } = 0.996;

    /// <summary>Epochs during which the head's last layer does not train.</summary>
    [Setting("Epochs during which the head's last layer does not train.")]
    public int FreezeLastLayer { get; init; } = 1;

    /// <summary>Per-tensor gradient norm limit (0 turns clipping off).</summary>
    [Setting("Per-tensor gradient norm limit (0 turns clipping off).")]
    public double ClipGrad { get; init; } = 3.0;

    /// <summary>Seed of the head's initialisation and of the masks.</summary>
    [Setting("Seed of the head's initialisation and of the masks.")]
    public long Seed { get; init; } = 0;
}
