using System.Diagnostics;
using System.Globalization;

namespace SslSharp.Distributed.Mpi;

/// <summary>
/// The <c>mpirun</c> on the <c>PATH</c> and its family (Open MPI's, else MPICH's or Intel MPI's Hydra), and the start of
/// a program under it: what the multi-process tests and the distributed benchmark launch ranks with.
/// </summary>
/// <param name="Path">The <c>mpirun</c> file.</param>
/// <param name="IsOpenMpi">Whether its <c>--version</c> names Open MPI (it then takes <c>--oversubscribe</c> and <c>-x</c>).</param>
public sealed record MpiRunner(string Path, bool IsOpenMpi)
{
    /// <summary>The first <c>mpirun</c> on the <c>PATH</c>, or null when there is none (or it cannot be started).</summary>
    public static MpiRunner? Find()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Select(d => System.IO.Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
        if (path is null) return null;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(path, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var stderr = p.StandardError.ReadToEndAsync();
            string text = p.StandardOutput.ReadToEnd() + stderr.Result;
            p.WaitForExit();
            return new MpiRunner(path, text.Contains("Open MPI", StringComparison.OrdinalIgnoreCase) || text.Contains("OpenRTE", StringComparison.OrdinalIgnoreCase));
        }
        catch (System.Runtime.InteropServices.ExternalException)   // Win32Exception: the file cannot be started
        {
            return null;
        }
    }

    /// <summary>
    /// <c>mpirun -np <paramref name="processes"/></c>, oversubscribed (more ranks than cores: Open MPI needs the flag, Hydra
    /// allows it anyway), passing on <paramref name="variables"/> (<c>-x</c> under Open MPI, <c>-genvlist</c> under Hydra),
    /// then <paramref name="command"/>; output redirected, and Open MPI allowed to run as root (CI containers do).
    /// </summary>
    public ProcessStartInfo StartInfo(int processes, IEnumerable<string> command, IEnumerable<string>? variables = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(processes, 1);
        ArgumentNullException.ThrowIfNull(command);
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-np");
        start.ArgumentList.Add(processes.ToString(CultureInfo.InvariantCulture));
        if (IsOpenMpi) start.ArgumentList.Add("--oversubscribe");
        foreach (var name in variables ?? [])
        {
            start.ArgumentList.Add(IsOpenMpi ? "-x" : "-genvlist");
            start.ArgumentList.Add(name);
        }
        foreach (var a in command) start.ArgumentList.Add(a);
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        return start;
    }
}
