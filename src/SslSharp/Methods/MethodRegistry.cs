using SslSharp.Backbones;

namespace SslSharp.Methods;

/// <summary>
/// Creates <see cref="SslMethod"/>s by name (for the CLI and presets). Each method registers one
/// factory that builds it around a backbone from <see cref="MethodSettings"/>, using its paper
/// defaults for every setting not given.
/// </summary>
/// <remarks>Names are case-insensitive. Built in: <c>simclr</c>. Other methods add themselves with
/// <see cref="Register"/> (or by adding a line to the built-in table).</remarks>
public static class MethodRegistry
{
    private static readonly object Gate = new();
    private static readonly SortedDictionary<string, Func<Backbone, MethodSettings, SslMethod>> Factories =
        new(StringComparer.Ordinal)
        {
            ["simclr"] = CreateSimCLR,
            ["mocov2"] = Contrastive.MoCoV2.Create,
            ["mocov3"] = Contrastive.MoCoV3.Create,
            ["nnclr"] = Contrastive.NNCLR.Create,
            ["dcl"] = Contrastive.DCL.Create,
            ["dclw"] = Contrastive.DCL.CreateWeighted,
            ["triplet"] = Contrastive.DeepMetricLearning.CreateTriplet,
            ["contrastive-margin"] = Contrastive.DeepMetricLearning.CreateContrastive,
            ["directclr"] = Contrastive.DirectCLR.Create,
            ["wmse"] = Correlation.WMSE.Create,
            ["deepcluster"] = Clustering.DeepCluster.Create,
            ["byol"] = SelfDistillation.BYOL.Create,
            ["simsiam"] = SelfDistillation.SimSiam.Create,
            ["dino"] = SelfDistillation.DINO.Create,
            ["vicreg"] = Correlation.VICReg.Create,
            ["barlowtwins"] = Correlation.BarlowTwins.Create,
            ["swav"] = Clustering.SwAV.Create,
        };

    private static readonly Dictionary<string, MethodDescription> Descriptions = new(StringComparer.Ordinal)
    {
        ["simclr"] = new("contrastive", "Chen et al. 2020, A Simple Framework for Contrastive Learning of Visual Representations (SimCLR)",
            "temperature=0.5 hidden_dim=<backbone width> output_dim=128 projector_layers=2"),
        ["mocov2"] = new("contrastive", "Chen et al. 2020, Improved Baselines with Momentum Contrastive Learning (MoCo v2)",
            "temperature=0.2 queue_size=65536 hidden_dim=<backbone width> output_dim=128 base_momentum=0.999 final_momentum=<base> symmetric=false"),
        ["mocov3"] = new("contrastive", "Chen, Xie, He 2021, An Empirical Study of Training Self-Supervised Vision Transformers (MoCo v3)",
            "temperature=1.0 hidden_dim=4096 output_dim=256 predictor_hidden_dim=<hidden_dim> projector_layers=2 base_momentum=0.99 final_momentum=1.0"),
        ["nnclr"] = new("contrastive", "Dwibedi et al. 2021, With a Little Help from My Friends: Nearest-Neighbor Contrastive Learning (NNCLR)",
            "temperature=0.1 queue_size=65536 hidden_dim=2048 output_dim=256 predictor_hidden_dim=4096"),
        ["dcl"] = new("contrastive", "Yeh et al. 2022, Decoupled Contrastive Learning (DCL)",
            "temperature=0.1 hidden_dim=<backbone width> output_dim=128"),
        ["dclw"] = new("contrastive", "Yeh et al. 2022, Decoupled Contrastive Learning (DCLW, von Mises-Fisher weighted positives)",
            "temperature=0.1 sigma=0.5 hidden_dim=<backbone width> output_dim=128"),
        ["triplet"] = new("contrastive", "Weinberger & Saul 2009 / Schroff et al. 2015 (FaceNet), triplet margin loss on two views with in-batch negatives",
            "margin=1.0 negatives=hardest normalize=true hidden_dim=<backbone width> output_dim=128"),
        ["contrastive-margin"] = new("contrastive", "Hadsell, Chopra & LeCun 2006, Dimensionality Reduction by Learning an Invariant Mapping (contrastive margin loss)",
            "margin=1.0 negatives=hardest normalize=true hidden_dim=<backbone width> output_dim=128"),
        ["directclr"] = new("contrastive", "Jing et al. 2022, Understanding Dimensional Collapse in Contrastive Self-supervised Learning (DirectCLR)",
            "subvector_dim=360 temperature=0.1 (no projector)"),
        ["wmse"] = new("correlation", "Ermolov et al. 2021, Whitening for Self-Supervised Representation Learning (W-MSE)",
            "hidden_dim=1024 output_dim=64 whitening_size=128 iterations=1 whitening_eps=0"),
        ["deepcluster"] = new("clustering", "Caron et al. 2018, Deep Clustering for Unsupervised Learning of Visual Features (DeepCluster)",
            "num_clusters=10000 pca_dim=256 kmeans_iterations=20 kmeans_plus_plus=false hidden_dim=4096 projector_layers=2 batch_norm=false top_layer_std=0.01"),
        ["byol"] = new("self-distillation", "Grill et al. 2020, Bootstrap Your Own Latent (BYOL)",
            "projector_hidden_dim=4096 output_dim=256 predictor_hidden_dim=4096 base_momentum=0.99"),
        ["simsiam"] = new("self-distillation", "Chen & He 2021, Exploring Simple Siamese Representation Learning (SimSiam)",
            "projector_hidden_dim=2048 output_dim=2048 predictor_hidden_dim=512 stop_gradient=true (false: collapse experiments only)"),
        ["dino"] = new("self-distillation", "Caron et al. 2021, Emerging Properties in Self-Supervised Vision Transformers (DINO)",
            "out_dim=65536 hidden_dim=2048 bottleneck_dim=256 student_temp=0.1 teacher_temp=0.04 warmup_teacher_temp=0.04 " +
            "warmup_teacher_temp_epochs=30 center_momentum=0.9 base_momentum=0.996 freeze_last_layer=1 clip_grad=3.0"),
        ["vicreg"] = Correlation.VICReg.Description,
        ["barlowtwins"] = Correlation.BarlowTwins.Description,
        ["swav"] = Clustering.SwAV.Description,
    };

    /// <summary>The registered method names, sorted.</summary>
    public static IReadOnlyList<string> Names
    {
        get { lock (Gate) return Factories.Keys.ToArray(); }
    }

    /// <summary>Whether <paramref name="name"/> names a registered method (same matching as <see cref="Create"/>).</summary>
    public static bool IsKnown(string name)
    {
        if (name is null) return false;
        lock (Gate) return Factories.ContainsKey(name.Trim().ToLowerInvariant());
    }

    /// <summary>Registers (or replaces) the factory of method <paramref name="name"/>.</summary>
    /// <param name="name">Method name (stored lower-case).</param>
    /// <param name="factory">Builds the method around a backbone; must call
    /// <see cref="MethodSettings.ThrowIfUnused"/> after reading its settings.</param>
    /// <param name="description">What <c>sslsharp methods</c> shows (null: nothing known).</param>
    public static void Register(string name, Func<Backbone, MethodSettings, SslMethod> factory, MethodDescription? description = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        var key = name.Trim().ToLowerInvariant();
        lock (Gate)
        {
            Factories[key] = factory;
            if (description is not null) Descriptions[key] = description;
        }
    }

    /// <summary>The family, paper and defaults of method <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is unknown.</exception>
    public static MethodDescription Describe(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        lock (Gate)
        {
            if (Descriptions.TryGetValue(key, out var d)) return d;
            if (Factories.ContainsKey(key)) return new MethodDescription("?", "?", "?");
        }
        throw new ArgumentException($"Unknown method '{name}'. Known methods: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>Creates method <paramref name="name"/> around <paramref name="backbone"/>.</summary>
    /// <param name="name">A registered name (see <see cref="Names"/>).</param>
    /// <param name="backbone">The encoder; the method takes ownership.</param>
    /// <param name="settings">Hyper-parameter overrides (null: paper defaults).</param>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known names) or a
    /// setting is invalid or unknown.</exception>
    public static SslMethod Create(string name, Backbone backbone, MethodSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(backbone);
        Func<Backbone, MethodSettings, SslMethod>? factory;
        lock (Gate) Factories.TryGetValue(name.Trim().ToLowerInvariant(), out factory);
        if (factory is null)
            throw new ArgumentException($"Unknown method '{name}'. Known methods: {string.Join(", ", Names)}.", nameof(name));
        return factory(backbone, settings ?? MethodSettings.Empty);
    }

    /// <summary>SimCLR settings: <c>temperature</c>, <c>hidden_dim</c>, <c>output_dim</c>, <c>projector_layers</c>, <c>seed</c>.</summary>
    private static SslMethod CreateSimCLR(Backbone backbone, MethodSettings s)
    {
        double temperature = s.GetDouble("temperature", 0.5);
        int? hidden = s.GetInt("hidden_dim", (int?)null);
        int output = s.GetInt("output_dim", 128);
        int layers = s.GetInt("projector_layers", 2);
        long seed = s.GetLong("seed", 0);
        s.ThrowIfUnused("simclr", new[] { "temperature", "hidden_dim", "output_dim", "projector_layers", "seed" });
        return new SimCLR(backbone, hidden, output, temperature, layers, seed);
    }
}
