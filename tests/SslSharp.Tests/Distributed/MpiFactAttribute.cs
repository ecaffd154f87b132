namespace SslSharp.Tests.Distributed;

/// <summary>
/// A test that starts processes under <c>mpirun</c>: reported as skipped, with the reason, when no <c>mpirun</c> is
/// on the PATH (never passed silently). <c>.ci/run</c> installs Open MPI where it can.
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <see cref="MpiRun.Path"/> is null.</summary>
    public MpiFactAttribute()
    {
        if (MpiRun.Path is null)
            Skip = "mpirun not found on PATH: install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) to run the multi-process tests.";
    }
}
