namespace SslSharp.Methods.Contrastive;

/// <summary>The settings of <c>nnclr</c> (<see cref="NNCLR"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods nnclr</c>.</remarks>
[MethodDoc("contrastive", "Dwibedi et al. 2021, With a Little Help from My Friends: Nearest-Neighbor Contrastive Learning (NNCLR)")]
public sealed record NNCLROptions
{
    /// <summary>Softmax temperature T &gt; 0.</summary>
    [Setting("Softmax temperature T > 0.")]
    public double Temperature { get; init; } = 0.1;

    /// <summary>Support-set size (paper: 98304 ImageNet; 65536 default); a multiple of the batch.</summary>
    [Setting("Support-set size (paper: 98304 ImageNet; 65536 default); a multiple of the batch.")]
    public int QueueSize { get; init; } = 65536;

    /// <summary>Projector hidden width.</summary>
    [Setting("Projector hidden width.")]
    public int HiddenDim { get; init; } = 2048;

    /// <summary>Projector/predictor output width = support width.</summary>
    [Setting("Projector/predictor output width = support width.")]
    public int OutputDim { get; init; } = 256;

    /// <summary>Predictor hidden width.</summary>
    [Setting("Predictor hidden width.")]
    public int PredictorHiddenDim { get; init; } = 4096;

    /// <summary>Seed of the heads' initialisation and of the queue noise.</summary>
    [Setting("Seed of the heads' initialisation and of the queue noise.")]
    public long Seed { get; init; } = 0;
}
