namespace SslSharp.Methods.Contrastive;

/// <summary>How the deep-metric-learning methods pick each anchor's negative among the other images of the batch.</summary>
/// <remarks>Hermans, Beyer, Leibe, "In Defense of the Triplet Loss for Person Re-Identification" (2017):
/// batch-hard mining; Schroff et al., "FaceNet" (CVPR 2015) section 3.2: semi-hard mining; random negatives
/// are the classic baseline (docs/methods.md#triplet-and-contrastive-margin-losses: "hardest or random"). Members are
/// listed in the order the <c>negatives</c> setting names them (hardest, semi-hard, random); the values are fixed.</remarks>
public enum NegativeMining
{
    /// <summary>The nearest embedding (either view) of another image.</summary>
    Hardest = 0,

    /// <summary>
    /// The nearest embedding of another image that is farther from the anchor than its positive
    /// (FaceNet's semi-hard negative); when there is none, the farthest embedding of another image
    /// (the fallback of TensorFlow Addons' <c>triplet_semihard_loss</c>).
    /// </summary>
    SemiHard = 2,

    /// <summary>A uniformly drawn embedding (either view) of another image, from a seeded generator.</summary>
    Random = 1,
}
