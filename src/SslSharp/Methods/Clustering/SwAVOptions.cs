using SslSharp.Losses;
using SslSharp.Modules;

namespace SslSharp.Methods.Clustering;

/// <summary>The settings of <c>swav</c> (<see cref="SwAV"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods swav</c>.</remarks>
[MethodDoc("clustering", "Caron et al. 2020, Unsupervised Learning of Visual Features by Contrasting Cluster Assignments (SwAV)")]
public sealed record SwAVOptions
{
    /// <summary>Projector hidden width.</summary>
    [Setting("Projector hidden width.")]
    public int HiddenDim { get; init; } = 2048;

    /// <summary>Embedding / prototype width.</summary>
    [Setting("Embedding / prototype width.")]
    public int OutputDim { get; init; } = 128;

    /// <summary>Number of prototypes K.</summary>
    [Setting("Number of prototypes K.")]
    public int Prototypes { get; init; } = 3000;

    /// <summary>Softmax temperature.</summary>
    [Setting("Softmax temperature.")]
    public double Temperature { get; init; } = SwAVLoss.DefaultTemperature;

    /// <summary>Sinkhorn entropy regularisation.</summary>
    [Setting("Sinkhorn entropy regularisation.")]
    public double Epsilon { get; init; } = Sinkhorn.DefaultEpsilon;

    /// <summary>Sinkhorn-Knopp iterations.</summary>
    [Setting("Sinkhorn-Knopp iterations.")]
    public int SinkhornIterations { get; init; } = Sinkhorn.DefaultIterations;

    /// <summary>Rows per global-crop queue (0: no queue; 3840 for batch 256 in the reference).</summary>
    [Setting("Rows per global-crop queue (0: no queue; 3840 for batch 256 in the reference).")]
    public int QueueLength { get; init; } = 0;

    /// <summary>First epoch whose embeddings are enqueued.</summary>
    [Setting("First epoch whose embeddings are enqueued.")]
    public int QueueStartEpoch { get; init; } = 15;

    /// <summary>Steps during which the prototypes get no update.</summary>
    [Setting("Steps during which the prototypes get no update.")]
    public int FreezePrototypesSteps { get; init; } = 313;

    /// <summary>Seed of the projector and prototype initialisation.</summary>
    [Setting("Seed of the projector and prototype initialisation.")]
    public long Seed { get; init; } = 0;
}
