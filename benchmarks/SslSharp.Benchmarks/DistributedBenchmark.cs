using System.Diagnostics;
using System.Globalization;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Distributed.Mpi;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>
/// Data-parallel throughput: SimCLR on the small ConvNet with one global batch, run under <c>mpirun -np 1, 2, 4</c>
/// (this program re-launched as <c>distributed-worker</c>), reporting images per second against the one-process run of
/// the same invocation, the share of step time spent inside MPI calls and the share spent transferring.
/// </summary>
/// <remarks>
/// <para>A step is what the trainer does: forward with synchronised BatchNorm (one all-gather per layer) and the gathered
/// NT-Xent, backward (the all-reduces of those gathers' gradients), gradient averaging in one flattened all-reduce, SGD.
/// "In MPI" is the time inside <see cref="MpiProcessGroup"/>'s calls (<see cref="MpiProcessGroup.CommunicationTime"/>),
/// which includes waiting for a slower process, divided by the step time. "Transfer" runs the same steps again with an
/// untimed barrier before every collective (<see cref="BarrierTimedGroup"/>) and times the collectives alone, divided by
/// the first run's step time. The figures are means over the processes.</para>
/// <para>Processes are not bound to cores (<c>--bind-to none</c>); each gets <c>max(1, cores / processes)</c> torch threads, so 4
/// processes on 2 cores are oversubscribed.</para>
/// </remarks>
public static class DistributedBenchmark
{
    // Warm-up long enough for the JIT's tiered recompilation to settle (it runs on background threads).
    private const int GlobalBatch = 128, ImageSize = 28, Warmup = 20, Timed = 40;

    /// <summary>Launches the worker under <c>mpirun</c> for 1, 2 and 4 processes and prints the table.</summary>
    public static int Run(TextWriter output)
    {
        var mpirun = MpiRunner.Find();
        if (mpirun is null)
        {
            output.WriteLine("mpirun not found on PATH: install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev).");
            return 1;
        }
        output.WriteLine($"SimCLR + ConvNet(width 0.5), {ImageSize}x{ImageSize} RGB, global batch {GlobalBatch}, {Timed} timed steps after {Warmup}; " +
                         $"{Environment.ProcessorCount} cores; load average before: {LoadAverage()}");
        output.WriteLine($"{"processes",9} {"batch/proc",10} {"threads",7} {"images/s",9} {"vs 1",6} {"step ms",8} {"in MPI",7} {"transfer",8}");
        double baseline = double.NaN;
        foreach (int processes in new[] { 1, 2, 4 })
        {
            var line = Launch(mpirun, processes);
            if (line is null)
            {
                output.WriteLine($"{processes,9} failed");
                continue;
            }
            double ips = line["images_per_s"];
            if (processes == 1) baseline = ips;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{processes,9} {GlobalBatch / processes,10} {line["threads"],7:0} {ips,9:0} {ips / baseline,6:0.00} {line["step_ms"],8:0.0} {line["comm_share"],7:0.0%} {line["transfer_share"],8:0.0%}"));
        }
        output.WriteLine($"load average after: {LoadAverage()}");
        output.WriteLine("in MPI: share of the step inside MPI calls, waiting for the slower process included; transfer: the same " +
                         "collectives timed after a barrier (the communication itself).");
        return 0;
    }

    private static Dictionary<string, double>? Launch(MpiRunner mpirun, int processes)
    {
        var start = mpirun.StartInfo(processes, ["--bind-to", "none", "dotnet", typeof(DistributedBenchmark).Assembly.Location, "distributed-worker"]);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        int at = stdout.IndexOf("RESULT ", StringComparison.Ordinal);   // the line may follow terminal control codes
        string? result = at < 0 ? null : stdout[at..].Split('\n')[0].Trim();
        if (p.ExitCode != 0 || result is null)
        {
            Console.Error.WriteLine($"{processes} processes: exit {p.ExitCode}\n{stdout}{stderr.Result}");
            return null;
        }
        return result["RESULT ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('='))
            .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
    }

    /// <summary>One rank: times the steps and prints <c>RESULT key=value ...</c> on rank 0.</summary>
    public static int Worker()
    {
        var group = MpiProcessGroup.FromEnvironment();
        var mpi = group as MpiProcessGroup;
        int threads = Math.Max(1, Environment.ProcessorCount / group.WorldSize);
        torch.set_num_threads(threads);
        int local = GlobalBatch / group.WorldSize;
        using var method = new SimCLR(new Backbones.ConvNet(inChannels: 3, widthMultiplier: 0.5, seed: 0), new SimCLROptions { Seed = 0 });
        var parameters = method.parameters().ToList();
        using var sgd = torch.optim.SGD(parameters, 0.01, momentum: 0.9);
        var gen = new Generator(1 + (ulong)group.Rank);
        using var v1 = torch.rand(new long[] { local, 3, ImageSize, ImageSize }, generator: gen);
        using var v2 = torch.rand(new long[] { local, 3, ImageSize, ImageSize }, generator: gen);
        method.train();

        // Phase 1: the steps as the trainer runs them; the time inside MPI includes waiting for the slower process.
        var (stepSeconds, commSeconds) = Steps(group, Warmup, () => mpi?.CommunicationTime ?? TimeSpan.Zero);
        // Phase 2: the same steps with a barrier before every collective, timing the collectives alone (the transfer).
        var timed = new BarrierTimedGroup(group);
        var (_, transferSeconds) = Steps(timed, warmup: 2, () => timed.TransferTime);

        // Mean over the processes.
        using var sums = torch.tensor(new[] { stepSeconds, commSeconds, transferSeconds });
        group.AllReduceSum(sums);
        double meanStep = sums[0].ToDouble() / group.WorldSize / Timed, meanComm = sums[1].ToDouble() / group.WorldSize / Timed;
        double meanTransfer = sums[2].ToDouble() / group.WorldSize / Timed;
        if (group.Rank == 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT images_per_s={GlobalBatch / meanStep} step_ms={meanStep * 1000} comm_share={meanComm / meanStep} transfer_share={meanTransfer / meanStep} threads={threads}"));
        (group as IDisposable)?.Dispose();
        return 0;

        // Runs warm-up + Timed steps on g; returns the summed time of the timed steps and of their collectives.
        (double Step, double Comm) Steps(IProcessGroup g, int warmup, Func<TimeSpan> commClock)
        {
            double stepSum = 0, commSum = 0;
            method.ProcessGroup = g;
            using var sync = SyncBatchNorm.Attach(method, g);
            for (int step = 0; step < warmup + Timed; step++)
            {
                using var scope = torch.NewDisposeScope();
                using var views = new ViewBatch([v1.alias(), v2.alias()]);
                var comm0 = commClock();
                long t0 = Stopwatch.GetTimestamp();
                var output = method.call(views);
                sgd.zero_grad();
                output.Loss.backward();
                GradientAveraging.Average(g, parameters);
                sgd.step();
                double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (step < warmup) continue;
                stepSum += seconds;
                commSum += (commClock() - comm0).TotalSeconds;
            }
            return (stepSum, commSum);
        }
    }

    private static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }
}
