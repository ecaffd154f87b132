using System.Collections.Concurrent;
using SslSharp.Augment;
using SslSharp.Core;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Data;

/// <summary>
/// Test-only stand-in for the real two-view transform (which lives in SslSharp.Augment): view 0
/// is the images as float / 255, view 1 the same with each image flipped left-right with
/// probability 1/2, drawn from the generator. Counts its calls, can fail on a chosen call, and
/// records every view tensor it returns so tests can check they were all disposed.
/// </summary>
internal sealed class StandInViewGenerator : IViewGenerator
{
    private int _calls;

    /// <summary>Throw on this call (0-based), or never when null.</summary>
    public int? FailOnCall { get; init; }

    /// <summary>Sleep this long in every call (to make the consumer or producer the slow side).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Number of completed or started calls.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Every view tensor returned so far.</summary>
    public ConcurrentBag<Tensor> Created { get; } = new();

    public ViewBatch CreateViews(Tensor images, Tensor? labels, Generator generator)
    {
        int call = Interlocked.Increment(ref _calls) - 1;
        if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
        if (call == FailOnCall) throw new InvalidOperationException($"stand-in view generator failed on call {call} as asked");
        var x = images.to_type(ScalarType.Float32).div(255.0);
        var flip = torch.rand(new[] { images.shape[0] }, generator: generator).lt(0.5).view(-1, 1, 1, 1);
        var flipped = torch.where(flip, x.flip(3), x);
        Created.Add(x);
        Created.Add(flipped);
        return new ViewBatch(new[] { x, flipped }, labels: labels);
    }
}
