using System.Runtime.InteropServices;

namespace SslSharp.Distributed.Mpi;

/// <summary>
/// The handful of MPI calls SslSharp needs, bound at run time to the MPI library installed on the machine:
/// Open MPI (<c>libmpi.so.40</c>; handles are the addresses of exported globals such as <c>ompi_mpi_comm_world</c>)
/// or an MPICH-ABI library (<c>libmpi.so.12</c>: MPICH, Intel MPI; handles are 32-bit integers from <c>mpi.h</c>).
/// </summary>
/// <remarks>
/// <para>Calls go through unmanaged function pointers with the library's own handle type (a pointer for Open MPI, an
/// <c>int</c> for MPICH), so no networking or marshalling code of our own is involved. Every call returns the MPI
/// error code; with MPI's default error handler (<c>MPI_ERRORS_ARE_FATAL</c>) a failing call ends the job before it
/// returns, so a non-zero code is reported as an exception only in case a launcher changed that handler.</para>
/// <para>The library is opened with <c>RTLD_GLOBAL</c>: Open MPI's components are plug-ins that look up libmpi's
/// symbols in the global namespace (what mpi4py does too).</para>
/// </remarks>
internal sealed unsafe class MpiLibrary
{
    /// <summary>The file names tried, in order, without an MPICH-family launcher: Open MPI first.</summary>
    public static readonly string[] OpenMpiFirst = ["libmpi.so.40", "libmpi.so.12", "libmpich.so.12", "libmpi.so"];

    /// <summary>
    /// The file names tried, in order, under a PMI launcher (<see cref="MpiLaunch.IsPmiLauncher"/>): MPICH ABI first
    /// (<c>libmpi.so.12</c>: upstream MPICH, Intel MPI; <c>libmpich.so.12</c>: Debian's and Ubuntu's MPICH package).
    /// </summary>
    public static readonly string[] MpichFirst = ["libmpi.so.12", "libmpich.so.12", "libmpi.so.40", "libmpi.so"];

    /// <summary>
    /// The libraries to try for <paramref name="environment"/>, in order: only the one named by
    /// <see cref="MpiProcessGroup.LibraryVariable"/> when it is set, else <see cref="MpichFirst"/> under a PMI launcher,
    /// else <see cref="OpenMpiFirst"/>.
    /// </summary>
    public static IReadOnlyList<string> Candidates(Func<string, string?> environment) =>
        environment(MpiProcessGroup.LibraryVariable) is { Length: > 0 } file ? [file]
        : MpiLaunch.IsPmiLauncher(environment) ? MpichFirst
        : OpenMpiFirst;

    // MPICH's mpi.h (also Intel MPI): integer handles.
    private const int MpichCommWorld = 0x44000000;
    private const int MpichFloat = 0x4c00040a;
    private const int MpichDouble = 0x4c00080b;
    private const int MpichLongLongInt = 0x4c000809;
    private const int MpichOpMax = 0x58000001;
    private const int MpichOpSum = 0x58000003;

    /// <summary><c>MPI_THREAD_SERIALIZED</c> (the same value, 2, in Open MPI and MPICH).</summary>
    public const int ThreadSerialized = 2;

    private readonly bool _intHandles;
    private readonly nint _comm, _float, _double, _int64, _sum, _max, _inPlace;
    private readonly delegate* unmanaged<int*, nint, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized, _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly nint _commRank, _commSize, _allreduce, _allgather, _bcast, _barrier, _abort;

    private MpiLibrary(string path, nint lib)
    {
        Path = path;
        nint Fn(string name) => NativeLibrary.TryGetExport(lib, name, out var f) && f != 0
            ? f
            : throw new EntryPointNotFoundException($"The MPI library '{path}' has no function {name}; it is not a usable MPI implementation.");
        IsOpenMpi = NativeLibrary.TryGetExport(lib, "ompi_mpi_comm_world", out var world);
        if (IsOpenMpi)
        {
            _comm = world;
            _float = NativeLibrary.GetExport(lib, "ompi_mpi_float");
            _double = NativeLibrary.GetExport(lib, "ompi_mpi_double");
            _int64 = NativeLibrary.GetExport(lib, "ompi_mpi_long_long_int");
            _sum = NativeLibrary.GetExport(lib, "ompi_mpi_op_sum");
            _max = NativeLibrary.GetExport(lib, "ompi_mpi_op_max");
            _inPlace = 1;
        }
        else
        {
            _intHandles = true;
            (_comm, _float, _double, _int64, _sum, _max) = (MpichCommWorld, MpichFloat, MpichDouble, MpichLongLongInt, MpichOpSum, MpichOpMax);
            _inPlace = -1;
        }
        _initThread = (delegate* unmanaged<int*, nint, int, int*, int>)Fn("MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Fn("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Fn("MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Fn("MPI_Finalize");
        _commRank = Fn("MPI_Comm_rank");
        _commSize = Fn("MPI_Comm_size");
        _allreduce = Fn("MPI_Allreduce");
        _allgather = Fn("MPI_Allgather");
        _bcast = Fn("MPI_Bcast");
        _barrier = Fn("MPI_Barrier");
        _abort = Fn("MPI_Abort");
    }

    /// <summary>The file that was loaded.</summary>
    public string Path { get; }

    /// <summary>True for Open MPI (pointer handles), false for an MPICH-ABI library (integer handles).</summary>
    public bool IsOpenMpi { get; }

    /// <summary>Loads the first MPI library found among <paramref name="candidates"/>, or returns null when there is none.</summary>
    public static MpiLibrary? TryLoad(IReadOnlyList<string> candidates)
    {
        foreach (var name in candidates)
        {
            nint lib = Open(name);
            if (lib != 0) return new MpiLibrary(name, lib);
        }
        return null;
    }

    /// <summary>The element type of a supported tensor dtype, or 0 when the dtype is not supported.</summary>
    public nint TypeOf(TorchSharp.torch.ScalarType type) => type switch
    {
        TorchSharp.torch.ScalarType.Float32 => _float,
        TorchSharp.torch.ScalarType.Float64 => _double,
        TorchSharp.torch.ScalarType.Int64 => _int64,
        _ => 0,
    };

    /// <summary><c>MPI_Init_thread(NULL, NULL, required, &amp;provided)</c>; returns the thread level provided.</summary>
    public int InitThread(int required)
    {
        int provided;
        Check(_initThread(null, 0, required, &provided), "MPI_Init_thread");
        return provided;
    }

    /// <summary><c>MPI_Initialized</c>.</summary>
    public bool Initialized()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    /// <summary><c>MPI_Finalized</c>.</summary>
    public bool Finalized()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    /// <summary><c>MPI_Finalize</c>.</summary>
    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    /// <summary><c>MPI_Comm_rank(MPI_COMM_WORLD)</c>.</summary>
    public int CommRank() => CommQuery(_commRank, "MPI_Comm_rank");

    /// <summary><c>MPI_Comm_size(MPI_COMM_WORLD)</c>.</summary>
    public int CommSize() => CommQuery(_commSize, "MPI_Comm_size");

    private int CommQuery(nint fn, string name)
    {
        int value;
        int rc = _intHandles
            ? ((delegate* unmanaged<int, int*, int>)fn)((int)_comm, &value)
            : ((delegate* unmanaged<nint, int*, int>)fn)(_comm, &value);
        Check(rc, name);
        return value;
    }

    /// <summary><c>MPI_Allreduce(MPI_IN_PLACE, buffer, count, type, SUM or MAX, MPI_COMM_WORLD)</c>.</summary>
    public void AllreduceInPlace(nint buffer, int count, nint type, bool max)
    {
        nint op = max ? _max : _sum;
        int rc = _intHandles
            ? ((delegate* unmanaged<nint, nint, int, int, int, int, int>)_allreduce)(_inPlace, buffer, count, (int)type, (int)op, (int)_comm)
            : ((delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)_allreduce)(_inPlace, buffer, count, type, op, _comm);
        Check(rc, "MPI_Allreduce");
    }

    /// <summary><c>MPI_Allgather(send, count, type, receive, count, type, MPI_COMM_WORLD)</c>.</summary>
    public void Allgather(nint send, nint receive, int count, nint type)
    {
        int rc = _intHandles
            ? ((delegate* unmanaged<nint, int, int, nint, int, int, int, int>)_allgather)(send, count, (int)type, receive, count, (int)type, (int)_comm)
            : ((delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int>)_allgather)(send, count, type, receive, count, type, _comm);
        Check(rc, "MPI_Allgather");
    }

    /// <summary><c>MPI_Bcast(buffer, count, type, root, MPI_COMM_WORLD)</c>.</summary>
    public void Bcast(nint buffer, int count, nint type, int root)
    {
        int rc = _intHandles
            ? ((delegate* unmanaged<nint, int, int, int, int, int>)_bcast)(buffer, count, (int)type, root, (int)_comm)
            : ((delegate* unmanaged<nint, int, nint, int, nint, int>)_bcast)(buffer, count, type, root, _comm);
        Check(rc, "MPI_Bcast");
    }

    /// <summary><c>MPI_Barrier(MPI_COMM_WORLD)</c>.</summary>
    public void Barrier()
    {
        int rc = _intHandles
            ? ((delegate* unmanaged<int, int>)_barrier)((int)_comm)
            : ((delegate* unmanaged<nint, int>)_barrier)(_comm);
        Check(rc, "MPI_Barrier");
    }

    /// <summary><c>MPI_Abort(MPI_COMM_WORLD, code)</c>: ends every process of the job (does not return normally).</summary>
    public void Abort(int code)
    {
        if (_intHandles) ((delegate* unmanaged<int, int, int>)_abort)((int)_comm, code);
        else ((delegate* unmanaged<nint, int, int>)_abort)(_comm, code);
    }

    private static void Check(int rc, string call)
    {
        if (rc != 0) throw new InvalidOperationException($"{call} failed with MPI error code {rc}.");
    }

    private const int RtldNow = 0x2, RtldGlobal = 0x100;

    private static nint Open(string name)
    {
        try { return dlopen(name, RtldNow | RtldGlobal); }
        catch (EntryPointNotFoundException) { }
        catch (DllNotFoundException) { }
        try { return dlopen_libdl(name, RtldNow | RtldGlobal); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
        return NativeLibrary.TryLoad(name, out var lib) ? lib : 0;
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern nint dlopen(string file, int mode);

    [DllImport("libdl.so.2", EntryPoint = "dlopen", CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern nint dlopen_libdl(string file, int mode);
}
