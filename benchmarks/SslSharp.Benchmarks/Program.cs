using SslSharp.Backbones;
using SslSharp.Methods;

namespace SslSharp.Benchmarks;

/// <summary>
/// Benchmark runner: <c>dotnet run --project benchmarks/SslSharp.Benchmarks -c Release -- [trainer|augment|memory|vit|distributed|all]</c>
/// (<c>distributed</c> needs <c>mpirun</c> and is not part of <c>all</c>), or <c>-- stream DIR [EPOCHS] [WORKERS] [MEMORY_EPOCHS] [in-memory]</c>
/// on a folder of images (<see cref="StreamBenchmark"/>).
/// Every figure is a ratio against a baseline measured in the same run (or, for augmentation,
/// against torchvision's per-image PIL pipeline measured on this machine).
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks named in <paramref name="args"/> (default: all).</summary>
    public static int Main(string[] args)
    {
        if (args is ["distributed-worker"]) return DistributedBenchmark.Worker();   // one rank, started by the distributed benchmark
        if (args.Length > 0 && args[0] == "stream")
        {
            if (args.Length < 2 || !Directory.Exists(args[1]))
            {
                Console.Error.WriteLine("usage: stream DIR [EPOCHS] [WORKERS] [MEMORY_EPOCHS] [in-memory]: DIR is a folder of PNG/JPEG files in class sub-folders, e.g. the folder/train " +
                    "that /usr/bin/python3 scripts/write_fashion_png_folder.py OUT writes.");
                return 2;
            }
            Console.WriteLine("== SimCLR + ConvNet steps on a PNG folder: streamed from disk by worker threads vs decoded into memory first");
            StreamBenchmark.Run(args[1], epochs: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 6,
                workers: args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 2,
                memoryEpochs: args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 4,
                memoryInMemory: args.Length > 5 && args[5] == "in-memory");
            return 0;
        }
        var which = args.Length == 0 ? new[] { "all" } : args;
        bool all = which.Contains("all");
        var known = new[] { "all", "trainer", "augment", "memory", "vit", "distributed" };
        var unknown = which.Except(known).ToArray();
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"unknown benchmark(s): {string.Join(", ", unknown)}; choose from {string.Join(", ", known)}");
            return 2;
        }
        if (all || which.Contains("trainer"))
        {
            Console.WriteLine("== SimCLR training step: Trainer vs a hand-written TorchSharp loop (same model, loss, optimizer)");
            TrainerOverheadBenchmark.Run(SimClrFactory, batchSize: 64, imageSize: 28, output: Console.Out);
        }
        if (all || which.Contains("augment"))
        {
            Console.WriteLine("== Two-view SimCLR augmentation throughput");
            AugmentThroughput.Run();
        }
        if (all || which.Contains("memory"))
        {
            Console.WriteLine("== Resident memory of a SimCLR run through the Trainer");
            MemoryBenchmark.Run(SimClrFactory, imageSize: 28, output: Console.Out);
        }
        if (all || which.Contains("vit"))
        {
            Console.WriteLine("== Vision Transformer: training-step throughput of candidate sizes, and the encoder on 25% of the tokens");
            VitBenchmark.Run(Console.Out);
        }
        if (which.Contains("distributed"))
        {
            Console.WriteLine("== Data parallel over MPI: SimCLR on 1, 2 and 4 processes with one global batch");
            if (DistributedBenchmark.Run(Console.Out) != 0) return 1;
        }
        return 0;
    }

    /// <summary>SimCLR with the small ConvNet on 3-channel images (fixed seed: identical models on every call).</summary>
    private static SslMethod SimClrFactory() => new SimCLR(new ConvNet(inChannels: 3, widthMultiplier: 0.5, seed: 0), new SimCLROptions { Seed = 0 });
}
