using SslSharp.Augment;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Data;
using SslSharp.Distributed;
using SslSharp.Heads;
using SslSharp.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Methods.Clustering;

/// <summary>
/// DeepCluster: before every epoch, cluster the features of the whole training set with k-means and
/// train the network to predict each image's cluster (its pseudo-label) from an augmented view.
/// </summary>
/// <remarks>
/// <para>Caron, Bojanowski, Joulin, Douze, "Deep Clustering for Unsupervised Learning of Visual
/// Features" (ECCV 2018). Reference code: facebookresearch/deepcluster <c>main.py</c>,
/// <c>clustering.py</c>, <c>util.py</c>.</para>
/// <para>Before each epoch (<see cref="OnEpochStart"/>): features of every training image with the
/// deterministic eval transform, in eval mode, without gradient; PCA-whitening to
/// <c>min(256, D)</c> dimensions and L2 normalisation (<see cref="PcaWhitening"/>); k-means with
/// <see cref="KMeans"/> (20 Lloyd iterations, k random data points as the start, a seed per epoch,
/// empty clusters re-seeded by splitting a large one); the assignments become the pseudo-labels; the
/// batch source's sampler becomes a <see cref="UniformClusterSampler"/> (official
/// <c>UnifLabelSampler</c>); the classifier ("top layer", <c>Linear(hidden, k)</c>) is re-initialised
/// with weights N(0, 0.01) and zero bias, and its optimizer state (momentum) is reset, as the official
/// code builds a fresh optimizer for it every epoch.</para>
/// <para>A step: view 0 (the only view the official code makes: random resized crop + flip) goes
/// through backbone, the MLP (the official AlexNet/VGG <c>classifier</c>: fc6, fc7) and a ReLU into the
/// top layer; the loss is the cross-entropy with the pseudo-labels, looked up by
/// <see cref="ViewBatch.Indices"/>.</para>
/// <para>Which features are clustered: as in <c>main.py</c>, the output of the MLP without its last
/// ReLU (the official code removes the ReLU before <c>compute_features</c>); with
/// <c>projectorLayers = 0</c> the backbone features themselves.</para>
/// <para>Checkpoints: only weights (backbone, MLP, top layer) are saved, as in the official code; the
/// assignments are not, since they are recomputed from the weights at every epoch start. A run resumed
/// at an epoch boundary (the checkpoint every epoch writes) therefore reproduces the uninterrupted run
/// exactly (k-means, sampler and top-layer seeds depend only on (seed, epoch)). A run resumed
/// mid-epoch cannot recover the epoch's clustering (the weights it came from are gone): it clusters
/// again from the restored weights, re-initialises the top layer and trains the rest of the epoch on
/// the new pseudo-labels, deterministically.</para>
/// <para>Several processes (<see cref="SslMethod.ProcessGroup"/>): each process computes the features of its block of the
/// training set, the blocks are all-gathered, and every process runs the same seeded PCA and k-means on the same
/// features, so all hold the same pseudo-labels and the same cluster-uniform sampler (whose order the loader then
/// shards); the step's cross-entropy is per image and needs no exchange (docs/distributed.md).</para>
/// <para>Differences from the official code: no Sobel filter; the top layer shares the trainer's
/// optimizer (with momentum, reset each epoch) instead of a momentum-free SGD of its own; faiss picks
/// the cluster to split with probability proportional to its size, <see cref="KMeans"/> splits the
/// largest.</para>
/// </remarks>
public sealed class DeepCluster : SslMethod
{
    private const long KMeansStream = 0x444B4D; // "DKM"
    private const long TopLayerStream = 0x44544C; // "DTL"

    private readonly Backbone backbone;
    private readonly ProjectionHead? projector;
    private readonly Linear top_layer;
    private Tensor? _assignments;

    /// <summary>Creates DeepCluster around <paramref name="backbone"/> with the settings in <paramref name="options"/>.</summary>
    /// <param name="backbone">The encoder; the method takes ownership (disposing it disposes the backbone).</param>
    /// <param name="options">The settings (<see cref="DeepClusterOptions"/>; <c>new()</c>: the paper defaults).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public DeepCluster(Backbone backbone, DeepClusterOptions options)
        : this(backbone, (options ?? throw new ArgumentNullException(nameof(options))).NumClusters, options.PcaDim, options.KmeansIterations, options.KmeansPlusPlus ? KMeansInit.PlusPlus : KMeansInit.Random, options.HiddenDim, options.ProjectorLayers, options.BatchNorm, options.TopLayerStd, options.FeatureBatchSize, options.Seed)
    {
    }

    /// <summary>Builds the method from resolved settings (see <see cref="DeepClusterOptions"/>).</summary>
    private DeepCluster(Backbone backbone, int clusters, int pcaDim, int kmeansIterations, KMeansInit kmeansInit, int hiddenDim, int projectorLayers, bool batchNorm, double topLayerStd, int featureBatchSize, long seed)
        : base(nameof(DeepCluster))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (clusters < 2) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "DeepCluster needs at least 2 clusters (paper: 10000 on ImageNet, k >> classes).");
        if (pcaDim < 1) throw new ArgumentOutOfRangeException(nameof(pcaDim), pcaDim, "The PCA width must be >= 1 (paper: 256).");
        if (kmeansIterations < 1) throw new ArgumentOutOfRangeException(nameof(kmeansIterations), kmeansIterations, "k-means needs at least 1 iteration (official: 20).");
        if (hiddenDim < 1) throw new ArgumentOutOfRangeException(nameof(hiddenDim), hiddenDim, "The MLP width must be >= 1 (official: 4096).");
        if (projectorLayers < 0) throw new ArgumentOutOfRangeException(nameof(projectorLayers), projectorLayers, "The MLP depth must be >= 0 (official: 2).");
        if (!(topLayerStd > 0) || double.IsInfinity(topLayerStd)) throw new ArgumentOutOfRangeException(nameof(topLayerStd), topLayerStd, "The top-layer std must be a finite number > 0 (official: 0.01).");
        if (featureBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(featureBatchSize), featureBatchSize, "The feature batch size must be >= 1.");
        this.backbone = backbone;
        Clusters = clusters;
        PcaDim = pcaDim;
        KMeansIterations = kmeansIterations;
        KMeansInit = kmeansInit;
        TopLayerStd = topLayerStd;
        FeatureBatchSize = featureBatchSize;
        Seed = seed;
        register_module("backbone", backbone);
        if (projectorLayers > 0)
        {
            projector = new ProjectionHead(backbone.FeatureDim, Enumerable.Repeat(hiddenDim, projectorLayers - 1).ToArray(), hiddenDim,
                batchNorm: batchNorm, seed: seed, name: "DeepClusterMLP");
            register_module("projector", projector);
        }
        ClusteringDim = projector?.OutputDim ?? backbone.FeatureDim;
        top_layer = nn.Linear(ClusteringDim, clusters);
        register_module("top_layer", top_layer);
        ResetTopLayer(0);
    }

    /// <inheritdoc />
    public override Backbone Encoder => backbone;

    /// <summary>The MLP between backbone and top layer, or null without one.</summary>
    public ProjectionHead? Projector => projector;

    /// <summary>The projector's output, or the features themselves when there is no projector (what the classifier reads).</summary>
    public override Tensor? Embed(Tensor features) => projector is null ? features : projector.call(features);

    /// <summary>The classifier over the clusters, <c>Linear(ClusteringDim, k)</c>, re-initialised every epoch.</summary>
    public Linear TopLayer => top_layer;

    /// <summary>Number of clusters k.</summary>
    public int Clusters { get; }

    /// <summary>Requested PCA-whitening width (the clustering uses <c>min(PcaDim, ClusteringDim)</c>).</summary>
    public int PcaDim { get; }

    /// <summary>Lloyd iterations per clustering.</summary>
    public int KMeansIterations { get; }

    /// <summary>How k-means starts.</summary>
    public KMeansInit KMeansInit { get; }

    /// <summary>Standard deviation of the top-layer re-initialisation.</summary>
    public double TopLayerStd { get; }

    /// <summary>Images per forward pass of the feature computation.</summary>
    public int FeatureBatchSize { get; }

    /// <summary>Seed of everything random in the method.</summary>
    public long Seed { get; }

    /// <summary>Width of the clustered features (the MLP output, or the backbone's <c>FeatureDim</c> without MLP).</summary>
    public int ClusteringDim { get; }

    /// <inheritdoc />
    public override int MinimumViews => 1;

    /// <summary>The pseudo-label of every training image <c>[N]</c> (int64, CPU) from the last clustering; null before the first.</summary>
    public Tensor? Assignments => _assignments;

    /// <summary>The k-means objective (mean squared distance to the centroid) of the last clustering; NaN before the first.</summary>
    public double LastClusteringLoss { get; private set; } = double.NaN;

    /// <summary>
    /// Clusters the training set and prepares the epoch: features, PCA-whitening, k-means,
    /// pseudo-labels, the uniform-over-clusters sampler of <paramref name="context"/>'s source, and a
    /// fresh top layer (with its optimizer state reset).
    /// </summary>
    /// <exception cref="InvalidOperationException">The batch source does not expose its data set, or the
    /// data set has fewer images than clusters.</exception>
    public override void OnEpochStart(EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var source = context.Source as ISampledBatchSource
            ?? throw new InvalidOperationException(
                $"DeepCluster clusters the whole training set before every epoch, so it needs a batch source that exposes it " +
                $"({nameof(ISampledBatchSource)}, e.g. SslSharp.Data.Loader); got {context.Source.GetType().Name}.");
        long n = source.Data.Count;
        if (n < Clusters)
            throw new InvalidOperationException(
                $"DeepCluster has k = {Clusters} clusters but the training set '{source.Data.Name}' has only {n} images. " +
                "Set num_clusters well below the number of images (paper: 10000 for ImageNet's 1.28M; about 100 for Fashion-MNIST).");

        long[] labels;
        using (var scope = NewDisposeScope())
        {
            var features = GatheredFeatures(source.Data.Images, source.EvalTransform);
            using var result = Cluster(features, context.Epoch);
            var assignments = result.Assignments.cpu().clone().DetachFromDisposeScope(); // own copy: the result is disposed below
            _assignments?.Dispose();
            _assignments = assignments;
            labels = assignments.data<long>().ToArray();
            LastClusteringLoss = result.Loss / n;
            var counts = bincount(assignments, minlength: Clusters);
            context.Log("deepcluster/kmeans_loss", LastClusteringLoss);
            context.Log("deepcluster/clusters_used", counts.gt(0).sum().item<long>());
            context.Log("deepcluster/largest_cluster_fraction", counts.max().item<long>() / (double)n);
            context.Log("deepcluster/empty_cluster_splits", result.Splits);
        }
        source.Sampler = new UniformClusterSampler(labels, Clusters, Seed);
        ResetTopLayer(context.Epoch);
        context.ResetOptimizerState(top_layer.parameters());
    }

    /// <summary>
    /// <see cref="ClusteringFeatures"/> of every image, computed in shares by the processes of
    /// <see cref="SslMethod.ProcessGroup"/> (process r: the r-th block of <c>ceil(N / W)</c> images) and all-gathered, so
    /// every process clusters the same <c>[N, ClusteringDim]</c> features and gets the same pseudo-labels and sampler.
    /// </summary>
    private Tensor GatheredFeatures(Tensor images, IBatchTransform? transform)
    {
        var group = ProcessGroup;
        if (group.WorldSize == 1) return ClusteringFeatures(images, transform);
        long n = images.shape[0], share = (n + group.WorldSize - 1) / group.WorldSize;
        long start = Math.Min(n, group.Rank * share), count = Math.Min(share, n - start);
        using var local = count > 0
            ? ClusteringFeatures(images.narrow(0, start, count), transform)
            : empty(new long[] { 0, ClusteringDim }, ScalarType.Float32);
        using var padded = zeros(new long[] { share, ClusteringDim }, ScalarType.Float32);   // equal shapes for the gather
        padded.narrow(0, 0, count).copy_(local);
        using var all = group.AllGatherNoGradient(padded);
        return all.narrow(0, 0, n).clone();
    }

    /// <summary>
    /// The features DeepCluster clusters, for every image of <paramref name="images"/>: backbone then MLP
    /// (without its last ReLU), in eval mode, without gradient.
    /// </summary>
    /// <param name="images">Raw images <c>uint8 [N, C, H, W]</c> (or float in [0, 1]).</param>
    /// <param name="transform">The deterministic eval transform (e.g. normalisation), or null.</param>
    /// <returns>Features <c>[N, ClusteringDim]</c>, float32, CPU.</returns>
    public Tensor ClusteringFeatures(Tensor images, IBatchTransform? transform)
    {
        ArgumentNullException.ThrowIfNull(images);
        var features = transform is null
            ? FeatureExtractor.Extract(backbone, images, preprocess: null, batchSize: FeatureBatchSize)
            : FeatureExtractor.Extract(backbone, images, transform, FeatureBatchSize);
        if (projector is null) return features;

        var modes = FeatureExtractor.RecordModes(projector);
        projector.eval();
        try
        {
            using var noGrad = no_grad();
            var device = projector.parameters().First().device;
            var output = empty(new long[] { features.shape[0], ClusteringDim }, ScalarType.Float32);
            for (long start = 0; start < features.shape[0]; start += FeatureBatchSize)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(FeatureBatchSize, features.shape[0] - start);
                output.narrow(0, start, count).copy_(projector.call(features.narrow(0, start, count).to(device)).cpu());
            }
            features.Dispose();
            return output;
        }
        finally
        {
            FeatureExtractor.RestoreModes(projector, modes);
        }
    }

    /// <summary>
    /// DeepCluster's clustering of <paramref name="features"/> for epoch <paramref name="epoch"/>:
    /// PCA-whitening to <c>min(PcaDim, D)</c>, L2 normalisation, k-means seeded by (seed, epoch).
    /// </summary>
    /// <param name="features">Features <c>[N, D]</c>, <c>N &gt;= k</c>.</param>
    /// <param name="epoch">The epoch (selects the k-means seed).</param>
    /// <returns>The k-means result, owned by the caller.</returns>
    public KMeansResult Cluster(Tensor features, int epoch)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        var points = PcaWhitening.WhitenAndNormalize(features, PcaDim);
        var kmeans = new KMeans(Clusters, KMeansIterations, KMeansInit, unchecked((long)SplitMix64.Mix(Seed, KMeansStream, epoch)));
        var result = kmeans.Fit(points);
        result.Centroids.MoveToOuterDisposeScope();
        result.Assignments.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>Re-initialises the top layer: weights N(0, <see cref="TopLayerStd"/>) drawn from a generator seeded by (seed, epoch), bias 0.</summary>
    public void ResetTopLayer(int epoch)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(SplitMix64.Mix(Seed, TopLayerStream, epoch));
        using var cpu = empty(top_layer.weight!.shape).normal_(0, TopLayerStd, generator);
        top_layer.weight!.copy_(cpu);
        top_layer.bias!.zero_();
    }

    /// <summary>
    /// One step: cross-entropy between the top layer's logits on view 0 and the images' pseudo-labels.
    /// </summary>
    /// <exception cref="InvalidOperationException">No clustering yet (<see cref="OnEpochStart"/> was not called).</exception>
    /// <exception cref="ArgumentException">The batch has no <see cref="ViewBatch.Indices"/>, or they lie outside the clustered set.</exception>
    public override StepOutput forward(ViewBatch views)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckViews(views);
        var assignments = _assignments ?? throw new InvalidOperationException(
            "DeepCluster has no pseudo-labels yet: they come from OnEpochStart, which the Trainer calls before every epoch. " +
            "Train with the Trainer on a Loader, or call OnEpochStart first.");
        var indices = views.Indices ?? throw new ArgumentException(
            "DeepCluster needs the data-set index of every image (ViewBatch.Indices) to look up its pseudo-label; SslSharp.Data.Loader sets them.",
            nameof(views));
        var cpuIndices = indices.cpu(); // may be the batch's own tensor: not disposed here (the step's dispose scope frees a copy)
        long min = cpuIndices.min().item<long>(), max = cpuIndices.max().item<long>();
        if (min < 0 || max >= assignments.shape[0])
            throw new ArgumentException(
                $"The batch's image indices range over [{min}, {max}] but the last clustering covered {assignments.shape[0]} images. " +
                "Train on the data set DeepCluster clustered.", nameof(views));

        var features = backbone.call(views.Views[0]);
        var embedded = projector is null ? features : projector.call(features);
        var logits = top_layer.call(projector is null ? embedded : nn.functional.relu(embedded));
        var targets = assignments.index_select(0, cpuIndices);
        var loss = nn.functional.cross_entropy(logits, targets.to(logits.device));
        return new StepOutput(loss, features.detach(), embedded.detach());
    }

    /// <summary>Frees the pseudo-labels with the module.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _assignments?.Dispose();
            _assignments = null;
        }
        base.Dispose(disposing);
    }

    /// <summary>The <see cref="MethodRegistry"/> factory of <c>deepcluster</c>: binds <see cref="DeepClusterOptions"/> from
    /// <paramref name="settings"/> and builds the method.</summary>
    /// <exception cref="ArgumentException">A setting does not parse or is unknown.</exception>
    public static SslMethod Create(Backbone backbone, MethodSettings settings) =>
        new DeepCluster(backbone, (settings ?? throw new ArgumentNullException(nameof(settings))).Bind<DeepClusterOptions>("deepcluster"));
}
