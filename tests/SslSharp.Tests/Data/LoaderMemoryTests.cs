using SslSharp.Platform;
using System.Diagnostics;
using SslSharp.Data;
using SslSharp.Training;
using Xunit.Abstractions;

namespace SslSharp.Tests.Data;

/// <summary>Runs alone (resident memory is per process) so other tests' allocations do not blur it.</summary>
[CollectionDefinition(nameof(LoaderMemoryTests), DisableParallelization = true)]
public class LoaderMemoryCollection;

[Collection(nameof(LoaderMemoryTests))]
public class LoaderMemoryTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")] // 1-30 s depending on machine load
    public void Resident_memory_stays_flat_over_hundreds_of_prefetched_batches()
    {
        // 64 images of 1x28x28 per batch, two float views: ~400 kB per batch. Leaking every
        // batch would add ~80 MB per 200 batches; a flat loader adds (almost) nothing once the
        // allocators have warmed up.
        using var data = LoaderTests.Synthetic(640, side: 28);
        var loader = new Loader(data, 64, new StandInViewGenerator(), seed: 2, prefetch: 2);
        int batches = 0;
        void Run(int fromEpoch, int toEpoch)
        {
            for (int epoch = fromEpoch; epoch < toEpoch; epoch++)
                foreach (var b in loader.Epoch(epoch))
                {
                    b.Dispose();
                    batches++;
                }
        }

        Run(0, 10); // warm-up: allocator pools, JIT, libtorch caches, worker-thread arenas
        long a = ResidentMemory.Measure();
        Run(10, 30);
        long b = ResidentMemory.Measure();
        Run(30, 50);
        long c = ResidentMemory.Measure();
        output.WriteLine($"resident memory after warm-up {a >> 20} MB, after 200 more batches {b >> 20} MB, after 400 {c >> 20} MB");

        Assert.Equal(500, batches);
        Assert.True(c - b < 25L << 20 && c - a < 40L << 20,
            $"resident memory kept growing: {a >> 20} -> {b >> 20} -> {c >> 20} MB over 2 x 200 batches");
    }

}
