namespace SslSharp.Methods.SelfDistillation;

/// <summary>The settings of <c>dino</c> (<see cref="DINO"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods dino</c>.</remarks>
[MethodDoc("self-distillation", "Caron et al. 2021, Emerging Properties in Self-Supervised Vision Transformers (DINO)")]
public sealed record DINOOptions
{
    /// <summary>Prototypes K, the head's output width.</summary>
    [Setting("Prototypes K, the head's output width.")]
    public int OutDim { get; init; } = 65536;

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

    /// <summary>Teacher temperature after the warm-up (up to 0.07, above is unstable).</summary>
    [Setting("Teacher temperature after the warm-up (up to 0.07, above is unstable).")]
    public double TeacherTemp { get; init; } = 0.04;

    /// <summary>Teacher temperature at epoch 0.</summary>
    [Setting("Teacher temperature at epoch 0.")]
    public double WarmupTeacherTemp { get; init; } = 0.04;

    /// <summary>Epochs of the linear teacher-temperature warm-up.</summary>
    [Setting("Epochs of the linear teacher-temperature warm-up.")]
    public int WarmupTeacherTempEpochs { get; init; } = 30;

    /// <summary>Center momentum.</summary>
    [Setting("Center momentum.")]
    public double CenterMomentum { get; init; } = 0.9;

    /// <summary>Teacher EMA momentum at step 0, cosine to 1.</summary>
    [Setting("Teacher EMA momentum at step 0, cosine to 1.")]
    public double BaseMomentum { get; init; } = 0.996;

    /// <summary>Epochs during which the head's last layer does not train.</summary>
    [Setting("Epochs during which the head's last layer does not train.")]
    public int FreezeLastLayer { get; init; } = 1;

    /// <summary>Per-tensor gradient norm limit (0 turns clipping off).</summary>
    [Setting("Per-tensor gradient norm limit (0 turns clipping off).")]
    public double ClipGrad { get; init; } = 3.0;

    /// <summary>Seed of the head's weight initialisation.</summary>
    [Setting("Seed of the head's weight initialisation.")]
    public long Seed { get; init; } = 0;
}
