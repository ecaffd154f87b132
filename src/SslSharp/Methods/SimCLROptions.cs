namespace SslSharp.Methods;

/// <summary>The settings of <c>simclr</c> (<see cref="SimCLR"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods simclr</c>.</remarks>
[MethodDoc("contrastive", "Chen et al. 2020, A Simple Framework for Contrastive Learning of Visual Representations (SimCLR)")]
public sealed record SimCLROptions
{
    /// <summary>NT-Xent temperature T &gt; 0 (paper: 0.5 CIFAR-10, 0.1 ImageNet with large batches).</summary>
    [Setting("NT-Xent temperature T > 0 (paper: 0.5 CIFAR-10, 0.1 ImageNet with large batches).")]
    public double Temperature { get; init; } = 0.5;

    /// <summary>Projector hidden width (null: the backbone's feature width, as the paper's 2048-2048-128).</summary>
    [Setting("Projector hidden width (null: the backbone's feature width, as the paper's 2048-2048-128).", DefaultText = "<backbone width>")]
    public int? HiddenDim { get; init; }

    /// <summary>Projector output width.</summary>
    [Setting("Projector output width.")]
    public int OutputDim { get; init; } = 128;

    /// <summary>Projector Linear layers: 2 (SimCLR v1) or 3 (v2).</summary>
    [Setting("Projector Linear layers: 2 (SimCLR v1) or 3 (v2).")]
    public int ProjectorLayers { get; init; } = 2;

    /// <summary>Seed of the projector's weight initialisation.</summary>
    [Setting("Seed of the projector's weight initialisation.")]
    public long Seed { get; init; } = 0;
}
