namespace SslSharp.Methods.Clustering;

/// <summary>The settings of <c>deepcluster</c> (<see cref="DeepCluster"/>); each initial value is the paper default, written only here.</summary>
/// <remarks>Family and paper: the <see cref="MethodDocAttribute"/> below. Read from presets and <c>--set</c> by <see cref="MethodOptionsBinder"/> (setting names in snake_case); shown by <c>sslsharp methods deepcluster</c>.</remarks>
[MethodDoc("clustering", "Caron et al. 2018, Deep Clustering for Unsupervised Learning of Visual Features (DeepCluster)")]
public sealed record DeepClusterOptions
{
    /// <summary>k, the number of k-means clusters (paper: 10000 on ImageNet; k &gt;&gt; classes).</summary>
    [Setting("k, the number of k-means clusters (paper: 10000 on ImageNet; k >> classes).")]
    public int NumClusters { get; init; } = 10000;

    /// <summary>PCA-whitening width before k-means (capped at the feature width).</summary>
    [Setting("PCA-whitening width before k-means (capped at the feature width).")]
    public int PcaDim { get; init; } = 256;

    /// <summary>Lloyd iterations per clustering.</summary>
    [Setting("Lloyd iterations per clustering.")]
    public int KmeansIterations { get; init; } = 20;

    /// <summary>k-means++ initial centroids (false: random data points, as the official faiss code).</summary>
    [Setting("k-means++ initial centroids (false: random data points, as the official faiss code).")]
    public bool KmeansPlusPlus { get; init; } = false;

    /// <summary>Width of the MLP (official AlexNet/VGG classifier: 4096).</summary>
    [Setting("Width of the MLP (official AlexNet/VGG classifier: 4096).")]
    public int HiddenDim { get; init; } = 4096;

    /// <summary>Linear layers of the MLP between backbone and top layer (0: top layer on the features).</summary>
    [Setting("Linear layers of the MLP between backbone and top layer (0: top layer on the features).")]
    public int ProjectorLayers { get; init; } = 2;

    /// <summary>BatchNorm in the MLP's hidden layers (official: none, it uses dropout).</summary>
    [Setting("BatchNorm in the MLP's hidden layers (official: none, it uses dropout).")]
    public bool BatchNorm { get; init; } = false;

    /// <summary>Standard deviation of the top layer's re-initialisation.</summary>
    [Setting("Standard deviation of the top layer's re-initialisation.")]
    public double TopLayerStd { get; init; } = 0.01;

    /// <summary>Images per forward pass when computing the clustering features.</summary>
    [Setting("Images per forward pass when computing the clustering features.")]
    public int FeatureBatchSize { get; init; } = 256;

    /// <summary>Seed of the MLP initialisation, k-means, the sampler and the top-layer re-initialisations.</summary>
    [Setting("Seed of the MLP initialisation, k-means, the sampler and the top-layer re-initialisations.")]
    public long Seed { get; init; } = 0;
}
