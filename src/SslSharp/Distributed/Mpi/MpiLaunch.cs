namespace SslSharp.Distributed.Mpi;

/// <summary>
/// Whether this process was started by an MPI launcher (<c>mpirun</c>, <c>mpiexec</c>, <c>srun</c>), read from the
/// environment the launcher sets, before any MPI library is loaded.
/// </summary>
/// <remarks>
/// Open MPI sets <c>OMPI_COMM_WORLD_SIZE</c>; MPICH's and Intel MPI's Hydra set <c>PMI_SIZE</c> / <c>PMI_RANK</c>;
/// PMIx launchers (Open MPI 5, Slurm with PMIx) set <c>PMIX_RANK</c>. The values only say "launched by MPI": the
/// rank and world size are always asked from MPI itself (<see cref="MpiProcessGroup"/>).
/// </remarks>
public static class MpiLaunch
{
    /// <summary>The variables looked at, in order.</summary>
    public static IReadOnlyList<string> Variables { get; } = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"];

    /// <summary>The first launcher variable set in this process's environment, or null when none is (a plain start).</summary>
    public static string? LauncherVariable() =>
        Variables.FirstOrDefault(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v)));

    /// <summary>Whether an MPI launcher started this process.</summary>
    public static bool IsLaunchedByMpi => LauncherVariable() is not null;
}
