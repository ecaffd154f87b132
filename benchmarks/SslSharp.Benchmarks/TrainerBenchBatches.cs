using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>
/// Pre-built two-view batches for benchmarks: the same tensors feed the Trainer (through this batch
/// source, as aliases it may dispose) and the hand-written loop (directly), so data loading is not measured.
/// </summary>
public sealed class TrainerBenchBatches : IBatchSource, IDisposable
{
    /// <summary>Builds <paramref name="distinct"/> random batches of <paramref name="batchSize"/> images [C, size, size].</summary>
    public TrainerBenchBatches(int batchSize, int size, int channels = 3, int distinct = 4, long batchesPerEpoch = 1000, long seed = 0)
    {
        using var g = new Generator((ulong)seed);
        Batches = Enumerable.Range(0, distinct).Select(_ =>
        {
            var v1 = torch.randn(new long[] { batchSize, channels, size, size }, generator: g).DetachFromDisposeScope();
            var v2 = torch.randn(new long[] { batchSize, channels, size, size }, generator: g).DetachFromDisposeScope();
            return new ViewBatch(new[] { v1, v2 });
        }).ToArray();
        BatchesPerEpoch = batchesPerEpoch;
    }

    /// <summary>The pre-built batches (owned by this object).</summary>
    public IReadOnlyList<ViewBatch> Batches { get; }

    /// <inheritdoc />
    public long BatchesPerEpoch { get; }

    /// <inheritdoc />
    public IEnumerable<ViewBatch> Epoch(int epoch, long skipBatches = 0)
    {
        for (long b = skipBatches; b < BatchesPerEpoch; b++)
        {
            var src = Batches[(int)(b % Batches.Count)];
            yield return new ViewBatch(src.Views.Select(v => v.alias().DetachFromDisposeScope()).ToArray(), src.GlobalCount);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in Batches) b.Dispose();
    }
}
