using System.Globalization;

namespace SslSharp.Distributed.Mpi;

/// <summary>
/// Whether this process was started by an MPI launcher (<c>mpirun</c>, <c>mpiexec</c>, <c>srun</c>), and by which
/// family, read from the environment the launcher sets, before any MPI library is loaded.
/// </summary>
/// <remarks>
/// Open MPI sets <c>OMPI_COMM_WORLD_SIZE</c>; MPICH's and Intel MPI's Hydra (and Slurm's PMI-1/PMI-2) set
/// <c>PMI_SIZE</c> / <c>PMI_RANK</c>; PMIx launchers (Open MPI 5, Slurm with PMIx) set <c>PMIX_RANK</c>. The family
/// decides which library is tried first (an MPICH launcher with Open MPI's library gives N singleton jobs of one
/// process each); the rank and world size are always asked from MPI itself (<see cref="MpiProcessGroup"/>), and
/// checked against <see cref="LaunchedWorldSize(Func{string, string?})"/>.
/// </remarks>
public static class MpiLaunch
{
    /// <summary>The variables looked at, in order.</summary>
    public static IReadOnlyList<string> Variables { get; } = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"];

    /// <summary>The first launcher variable set in this process's environment, or null when none is (a plain start).</summary>
    public static string? LauncherVariable() => LauncherVariable(Environment.GetEnvironmentVariable);

    /// <summary>The first launcher variable set in <paramref name="environment"/> (a variable's value, or null), or null.</summary>
    public static string? LauncherVariable(Func<string, string?> environment) =>
        Variables.FirstOrDefault(v => !string.IsNullOrEmpty(environment(v)));

    /// <summary>Whether an MPI launcher started this process.</summary>
    public static bool IsLaunchedByMpi => LauncherVariable() is not null;

    /// <summary>
    /// Whether the launcher speaks PMI-1/PMI-2 (MPICH's or Intel MPI's Hydra <c>mpiexec</c>, Slurm <c>srun --mpi=pmi2</c>):
    /// <c>PMI_SIZE</c> or <c>PMI_RANK</c> set and no Open MPI variable. An MPICH-ABI library is then tried first.
    /// </summary>
    public static bool IsPmiLauncher(Func<string, string?> environment) =>
        string.IsNullOrEmpty(environment("OMPI_COMM_WORLD_SIZE"))
        && (!string.IsNullOrEmpty(environment("PMI_SIZE")) || !string.IsNullOrEmpty(environment("PMI_RANK")));

    /// <summary>
    /// The number of processes the launcher started (<c>OMPI_COMM_WORLD_SIZE</c>, else <c>PMI_SIZE</c>), or null when it
    /// does not say (a plain start, PMIx).
    /// </summary>
    public static int? LaunchedWorldSize(Func<string, string?> environment)
    {
        foreach (var name in (string[])["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"])
            if (int.TryParse(environment(name), NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0)
                return size;
        return null;
    }
}
