namespace SslSharp.Methods.Contrastive;

/// <summary>The settings shared by the margin methods (<c>triplet</c>, <c>contrastive-margin</c>) of <see cref="DeepMetricLearning"/>; initial values are the defaults.</summary>
public abstract record MarginMethodOptions
{
    /// <summary>The margin loss (given by the concrete record; not a setting).</summary>
    public abstract MarginLossKind Loss { get; }

    /// <summary>Margin m &gt; 0 (PyTorch's default 1.0; embeddings are L2-normalised, distances in [0, 2]).</summary>
    [Setting("Margin m > 0 (PyTorch's default 1.0; embeddings are L2-normalised, distances in [0, 2]).")]
    public double Margin { get; init; } = 1.0;

    /// <summary>How each anchor's negative is chosen: hardest, semi-hard or random.</summary>
    [Setting("How each anchor's negative is chosen: hardest, semi-hard or random.")]
    public NegativeMining Negatives { get; init; } = NegativeMining.Hardest;

    /// <summary>L2-normalise the embeddings before the loss (FaceNet).</summary>
    [Setting("L2-normalise the embeddings before the loss (FaceNet).")]
    public bool Normalize { get; init; } = true;

    /// <summary>Projector hidden width (null: the backbone's feature width).</summary>
    [Setting("Projector hidden width (null: the backbone's feature width).", DefaultText = "<backbone width>")]
    public int? HiddenDim { get; init; }

    /// <summary>Projector output width.</summary>
    [Setting("Projector output width.")]
    public int OutputDim { get; init; } = 128;

    /// <summary>Seed of the projector initialisation and of random mining.</summary>
    [Setting("Seed of the projector initialisation and of random mining.")]
    public long Seed { get; init; } = 0;
}
