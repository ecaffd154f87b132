namespace SslSharp.Methods.Contrastive;

/// <summary>The settings of <c>mocov2</c> (<see cref="MoCoV2"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods mocov2</c>.</remarks>
[MethodDoc("contrastive", "Chen et al. 2020, Improved Baselines with Momentum Contrastive Learning (MoCo v2)")]
public sealed record MoCoV2Options
{
    /// <summary>Softmax temperature T &gt; 0 (v2: 0.2; v1: 0.07).</summary>
    [Setting("Softmax temperature T > 0 (v2: 0.2; v1: 0.07).")]
    public double Temperature { get; init; } = 0.2;

    /// <summary>Number of negative keys K; a multiple of the keys per step.</summary>
    [Setting("Number of negative keys K; a multiple of the keys per step.")]
    public int QueueSize { get; init; } = 65536;

    /// <summary>Head hidden width (null: the backbone's feature width, 2048 for ResNet-50).</summary>
    [Setting("Head hidden width (null: the backbone's feature width, 2048 for ResNet-50).", DefaultText = "<backbone width>")]
    public int? HiddenDim { get; init; }

    /// <summary>Head output width = key width.</summary>
    [Setting("Head output width = key width.")]
    public int OutputDim { get; init; } = 128;

    /// <summary>Key-encoder momentum at step 0.</summary>
    [Setting("Key-encoder momentum at step 0.")]
    public double BaseMomentum { get; init; } = 0.999;

    /// <summary>Key-encoder momentum at the last step (null: base_momentum, constant as in the paper).</summary>
    [Setting("Key-encoder momentum at the last step (null: base_momentum, constant as in the paper).", DefaultText = "<base_momentum>")]
    public double? FinalMomentum { get; init; }

    /// <summary>Symmetrised loss (both views as queries).</summary>
    [Setting("Symmetrised loss (both views as queries).")]
    public bool Symmetric { get; init; } = false;

    /// <summary>Seed of the head initialisation, the queue noise and the key shuffle.</summary>
    [Setting("Seed of the head initialisation, the queue noise and the key shuffle.")]
    public long Seed { get; init; } = 0;

    /// <summary>BatchNorm splits S over the global batch (1: plain BN; the reference's CIFAR demo: 8); with W processes S is a multiple of W (W: the reference's shuffling BN across processes).</summary>
    [Setting("BatchNorm splits S over the global batch (1: plain BN; the reference's CIFAR demo: 8); with W processes a multiple of W (W: shuffling BN across processes).")]
    public int BnSplits { get; init; } = 1;
}
