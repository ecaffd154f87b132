using SslSharp.Augment;
using SslSharp.Core;

namespace SslSharp.Data;

/// <summary>
/// A batch source over an in-memory data set that also shows the whole set (with a deterministic
/// evaluation transform) and lets the caller choose the visiting order: what a method needs that
/// looks at every training image between epochs, such as DeepCluster's clustering.
/// </summary>
/// <remarks>
/// <see cref="Loader"/> implements it. A method reaches it through
/// <see cref="EpochContext.Source"/> in <see cref="Methods.SslMethod.OnEpochStart"/>, which the
/// trainer calls before it asks the source for the epoch's batches, so a sampler set there decides
/// that epoch's order.
/// </remarks>
public interface ISampledBatchSource : IBatchSource
{
    /// <summary>The training images (raw, uint8 <c>[N, C, H, W]</c>) the batches are drawn from.</summary>
    ImageDataset Data { get; }

    /// <summary>
    /// The deterministic transform (e.g. normalisation, resize + centre crop) for whole-set feature
    /// passes, applied to float images in [0, 1]; null when none was given (images are only divided by 255).
    /// </summary>
    IBatchTransform? EvalTransform { get; }

    /// <summary>The order of every later epoch; null for the source's own seeded shuffle.</summary>
    IIndexSampler? Sampler { get; set; }
}
