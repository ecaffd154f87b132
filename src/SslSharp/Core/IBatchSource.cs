
namespace SslSharp.Core;

/// <summary>
/// Where the <c>Trainer</c> gets its batches: a fixed number of batches per epoch, each
/// deterministic given (seed, epoch, batch index), so that a resumed run can skip the batches it
/// already trained on. <c>SslSharp.Data.Loader</c> implements it.
/// </summary>
public interface IBatchSource
{
    /// <summary>Batches (optimizer steps) per epoch.</summary>
    long BatchesPerEpoch { get; }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, starting after the first
    /// <paramref name="skipBatches"/> ones. The caller disposes every batch it receives.
    /// </summary>
    IEnumerable<ViewBatch> Epoch(int epoch, long skipBatches = 0);
}
