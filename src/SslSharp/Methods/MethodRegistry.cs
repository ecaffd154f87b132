using SslSharp.Backbones;

namespace SslSharp.Methods;

/// <summary>
/// Creates <see cref="SslMethod"/>s by name (for the CLI and presets). Each method registers one
/// factory that builds it around a backbone from <see cref="MethodSettings"/>, using its paper
/// defaults for every setting not given.
/// </summary>
/// <remarks>Names are case-insensitive. Each built-in method has a typed options record (e.g.
/// <see cref="SelfDistillation.DINOOptions"/>) that holds its defaults, setting names, descriptions, family and paper;
/// its factory binds that record and builds the method. Other methods add themselves with
/// <see cref="Register{TOptions}"/> (or <see cref="Register"/>, or by adding a line to the built-in table).</remarks>
public static class MethodRegistry
{
    private static readonly object Gate = new();

    /// <summary>The built-in methods: each one's factory and its options record (the source of its settings,
    /// defaults, family and paper).</summary>
    private static readonly (string Name, Func<Backbone, MethodSettings, SslMethod> Factory, Type Options)[] BuiltIn =
    {
        ("simclr", SimCLR.Create, typeof(SimCLROptions)),
        ("mocov2", Contrastive.MoCoV2.Create, typeof(Contrastive.MoCoV2Options)),
        ("mocov3", Contrastive.MoCoV3.Create, typeof(Contrastive.MoCoV3Options)),
        ("nnclr", Contrastive.NNCLR.Create, typeof(Contrastive.NNCLROptions)),
        ("dcl", Contrastive.DCL.Create, typeof(Contrastive.DCLOptions)),
        ("dclw", Contrastive.DCL.CreateWeighted, typeof(Contrastive.DCLWOptions)),
        ("triplet", Contrastive.DeepMetricLearning.CreateTriplet, typeof(Contrastive.TripletOptions)),
        ("contrastive-margin", Contrastive.DeepMetricLearning.CreateContrastive, typeof(Contrastive.ContrastiveMarginOptions)),
        ("directclr", Contrastive.DirectCLR.Create, typeof(Contrastive.DirectCLROptions)),
        ("wmse", Correlation.WMSE.Create, typeof(Correlation.WMSEOptions)),
        ("deepcluster", Clustering.DeepCluster.Create, typeof(Clustering.DeepClusterOptions)),
        ("byol", SelfDistillation.BYOL.Create, typeof(SelfDistillation.BYOLOptions)),
        ("simsiam", SelfDistillation.SimSiam.Create, typeof(SelfDistillation.SimSiamOptions)),
        ("dino", SelfDistillation.DINO.Create, typeof(SelfDistillation.DINOOptions)),
        ("vicreg", Correlation.VICReg.Create, typeof(Correlation.VICRegOptions)),
        ("barlowtwins", Correlation.BarlowTwins.Create, typeof(Correlation.BarlowTwinsOptions)),
        ("swav", Clustering.SwAV.Create, typeof(Clustering.SwAVOptions)),
        ("mae", Masked.MAE.Create, typeof(Masked.MAEOptions)),
        ("ijepa", Masked.IJEPA.Create, typeof(Masked.IJEPAOptions)),
        ("ibot", Masked.IBOT.Create, typeof(Masked.IBOTOptions)),
    };

    private static readonly SortedDictionary<string, Func<Backbone, MethodSettings, SslMethod>> Factories =
        new(BuiltIn.ToDictionary(m => m.Name, m => m.Factory), StringComparer.Ordinal);

    private static readonly Dictionary<string, Type> OptionTypes = BuiltIn.ToDictionary(m => m.Name, m => m.Options, StringComparer.Ordinal);

    private static readonly Dictionary<string, MethodDescription> Descriptions = new(StringComparer.Ordinal);

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
            OptionTypes.Remove(key);
            if (description is not null) Descriptions[key] = description;
            else Descriptions.Remove(key);
        }
    }

    /// <summary>The options record of built-in method <paramref name="name"/> (null: a method registered with
    /// <see cref="Register"/>, or an unknown name).</summary>
    public static Type? OptionsType(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (Gate) return OptionTypes.GetValueOrDefault(name.Trim().ToLowerInvariant());
    }

    /// <summary>Registers (or replaces) method <paramref name="name"/> built from the options record
    /// <typeparamref name="TOptions"/> (bound from the settings; its <see cref="MethodDocAttribute"/> and
    /// <see cref="SettingAttribute"/>s give the description).</summary>
    /// <param name="name">Method name (stored lower-case).</param>
    /// <param name="build">Builds the method around a backbone from the bound options.</param>
    public static void Register<TOptions>(string name, Func<Backbone, TOptions, SslMethod> build) where TOptions : class, new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(build);
        var key = name.Trim().ToLowerInvariant();
        lock (Gate)
        {
            Factories[key] = (backbone, settings) => build(backbone, settings.Bind<TOptions>(key));
            OptionTypes[key] = typeof(TOptions);
            Descriptions.Remove(key);
        }
    }

    /// <summary>The family, paper and defaults of method <paramref name="name"/>; for a built-in method generated
    /// from its options record (<see cref="MethodOptionsBinder.Describe"/>), so every setting appears with its default.</summary>
    /// <exception cref="ArgumentException">The name is unknown.</exception>
    public static MethodDescription Describe(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        lock (Gate)
        {
            if (Descriptions.TryGetValue(key, out var d)) return d;
            if (OptionTypes.TryGetValue(key, out var options)) return Descriptions[key] = MethodOptionsBinder.Describe(options);
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
}
