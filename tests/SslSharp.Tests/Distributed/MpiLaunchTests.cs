using SslSharp.Distributed.Mpi;
using Xunit;

namespace SslSharp.Tests.Distributed;

/// <summary>
/// Which MPI library is tried first for a launcher's environment, and the check that the loaded library's world matches
/// the launcher's, on the variables Open MPI 4.1's <c>mpirun</c> and MPICH 4.0's Hydra <c>mpiexec</c> set for rank 1
/// of 2 (copied from real runs; docs/distributed.md#mpich). No MPI is needed.
/// </summary>
public sealed class MpiLaunchTests
{
    private static readonly Dictionary<string, string> Hydra = new()
    {
        ["PMI_RANK"] = "1", ["PMI_SIZE"] = "2", ["PMI_FD"] = "8", ["MPI_LOCALNRANKS"] = "2", ["MPI_LOCALRANKID"] = "1",
    };

    private static readonly Dictionary<string, string> OpenMpi = new()
    {
        ["OMPI_COMM_WORLD_SIZE"] = "2", ["OMPI_COMM_WORLD_RANK"] = "1", ["OMPI_COMM_WORLD_LOCAL_SIZE"] = "2",
        ["PMIX_RANK"] = "1", ["PMIX_NAMESPACE"] = "1759248385",
    };

    private static Func<string, string?> Env(Dictionary<string, string> variables) => name => variables.GetValueOrDefault(name);

    [Fact]
    public void Under_MPICH_Hydra_the_MPICH_libraries_are_tried_before_Open_MPI()
    {
        var env = Env(Hydra);
        Assert.Equal("PMI_SIZE", MpiLaunch.LauncherVariable(env));
        Assert.True(MpiLaunch.IsPmiLauncher(env));
        Assert.Equal(2, MpiLaunch.LaunchedWorldSize(env));
        var order = MpiLibrary.Candidates(env).ToList();
        Assert.Equal(["libmpi.so.12", "libmpich.so.12"], order.Take(2));
        Assert.True(order.IndexOf("libmpi.so.40") > order.IndexOf("libmpich.so.12"));
    }

    [Fact]
    public void Under_Open_MPI_and_without_a_launcher_Open_MPI_is_tried_first()
    {
        var env = Env(OpenMpi);
        Assert.Equal("OMPI_COMM_WORLD_SIZE", MpiLaunch.LauncherVariable(env));
        Assert.False(MpiLaunch.IsPmiLauncher(env));
        Assert.Equal(2, MpiLaunch.LaunchedWorldSize(env));
        Assert.Equal("libmpi.so.40", MpiLibrary.Candidates(env)[0]);

        var plain = Env([]);
        Assert.Null(MpiLaunch.LauncherVariable(plain));
        Assert.Null(MpiLaunch.LaunchedWorldSize(plain));
        Assert.Equal("libmpi.so.40", MpiLibrary.Candidates(plain)[0]);
        Assert.Contains("libmpich.so.12", MpiLibrary.Candidates(plain));
    }

    [Fact]
    public void The_library_variable_replaces_the_search()
    {
        var env = Env(new Dictionary<string, string>(Hydra) { [MpiProcessGroup.LibraryVariable] = "/opt/intel/mpi/lib/libmpi.so.12" });
        Assert.Equal(["/opt/intel/mpi/lib/libmpi.so.12"], MpiLibrary.Candidates(env));
    }

    [Fact]
    public void A_library_whose_world_is_not_the_launchers_is_refused_naming_both_and_the_fix()
    {
        // Open MPI's library under Hydra initialises as a singleton: every process would be rank 0 of 1.
        string? message = MpiProcessGroup.WorldSizeMismatch(Env(Hydra), "libmpi.so.40", worldSize: 1);
        Assert.NotNull(message);
        Assert.Contains("started 2 processes", message);
        Assert.Contains("libmpi.so.40 holds 1", message);
        Assert.Contains(MpiProcessGroup.LibraryVariable, message);

        Assert.Null(MpiProcessGroup.WorldSizeMismatch(Env(Hydra), "libmpich.so.12", worldSize: 2));
        Assert.Null(MpiProcessGroup.WorldSizeMismatch(Env(OpenMpi), "libmpi.so.40", worldSize: 2));
        Assert.Null(MpiProcessGroup.WorldSizeMismatch(Env([]), "libmpi.so.40", worldSize: 1));   // a plain start: nothing to compare
        Assert.Null(MpiProcessGroup.WorldSizeMismatch(Env(new() { ["PMI_SIZE"] = "two" }), "libmpi.so.12", worldSize: 1));
    }
}
