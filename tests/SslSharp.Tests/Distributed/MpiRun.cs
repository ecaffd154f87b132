using System.Diagnostics;
using System.Text.Json;

namespace SslSharp.Tests.Distributed;

/// <summary>
/// Starts <c>SslSharp.MpiWorker</c> (built next to the tests) under <c>mpirun -np N</c>, or as one plain process, and
/// reads what each rank wrote.
/// </summary>
internal static class MpiRun
{
    private static readonly Lazy<SslSharp.Distributed.Mpi.MpiRunner?> Found = new(SslSharp.Distributed.Mpi.MpiRunner.Find);

    /// <summary>The <c>mpirun</c> on the PATH, or null.</summary>
    public static string? Path => Found.Value?.Path;

    /// <summary>The worker program's file.</summary>
    public static string Worker => System.IO.Path.Combine(AppContext.BaseDirectory, "SslSharp.MpiWorker.dll");

    /// <summary>The result of one run: exit code, standard output and error, and each rank's numbers.</summary>
    public sealed record Result(int ExitCode, string Output, IReadOnlyList<Dictionary<string, double[]>> Ranks);

    /// <summary>
    /// Runs <paramref name="scenario"/> on <paramref name="processes"/> ranks (0: one process without mpirun) and waits
    /// at most <paramref name="timeoutSeconds"/>.
    /// </summary>
    /// <param name="environment">Variables to set for the ranks (passed on with <c>-x</c> under Open MPI), or null.</param>
    public static Result Run(string scenario, int processes, string outDir, int timeoutSeconds = 120, IReadOnlyDictionary<string, string>? environment = null)
    {
        Directory.CreateDirectory(outDir);
        var start = processes == 0
            ? new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false }
            : Found.Value!.StartInfo(processes, ["dotnet"], environment?.Keys);
        foreach (var v in SslSharp.Distributed.Mpi.MpiLaunch.Variables) start.Environment.Remove(v);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        start.ArgumentList.Add(Worker);
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(outDir);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{scenario} on {processes} processes did not finish in {timeoutSeconds} s: {stdout.Result}{stderr.Result}");
        }
        process.WaitForExit();
        var ranks = Directory.GetFiles(outDir, "rank*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize<Dictionary<string, double[]>>(File.ReadAllText(f))!).ToList();
        return new Result(process.ExitCode, stdout.Result + stderr.Result, ranks);
    }
}
