using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>
/// Test stand-in for SslSharp.Data.Loader: a fixed random image set [Images, 1, Size, Size]; batch b of
/// epoch e is a deterministic permutation slice plus two noisy views, drawn from a generator seeded by
/// (seed, epoch, b), so skipping batches gives the same later batches.
/// </summary>
internal sealed class StandInBatchSource : IBatchSource, IDisposable
{
    private readonly Tensor _images;
    private readonly int _batchSize;
    private readonly long _seed;

    public StandInBatchSource(int images = 32, int batchSize = 8, int size = 8, long seed = 7)
    {
        using var g = new Generator((ulong)seed);
        _images = torch.rand(new long[] { images, 1, size, size }, generator: g).DetachFromDisposeScope();
        _batchSize = batchSize;
        _seed = seed;
        BatchesPerEpoch = images / batchSize;
    }

    public long BatchesPerEpoch { get; }

    public int EpochCalls { get; private set; }

    public IEnumerable<ViewBatch> Epoch(int epoch, long skipBatches = 0)
    {
        EpochCalls++;
        for (long b = skipBatches; b < BatchesPerEpoch; b++)
            yield return Make(epoch, b);
    }

    private ViewBatch Make(int epoch, long b)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator((ulong)(_seed * 1_000_003 + epoch * 10_007 + b));
        var perm = torch.randperm(_images.shape[0], generator: g).narrow(0, 0, _batchSize);
        var x = _images.index_select(0, perm);
        var v1 = x + 0.1 * torch.randn(x.shape, generator: g);
        var v2 = x.flip(3) + 0.1 * torch.randn(x.shape, generator: g);
        return new ViewBatch(new[] { v1, v2 }).MoveToOuterDisposeScope();
    }

    public void Dispose() => _images.Dispose();
}
