using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Distributed.Mpi;

/// <summary>
/// The processes of an MPI job (<c>mpirun -np N ...</c>) as an <see cref="IProcessGroup"/>: rank and world size of
/// <c>MPI_COMM_WORLD</c>, and the collectives as MPI calls on the tensors' own memory (no copy for contiguous CPU
/// float32 / float64 / int64 tensors, no per-element managed loop).
/// </summary>
/// <remarks>
/// <para>MPI is initialised once per process (<see cref="Initialize"/>) and finalised by <see cref="Dispose"/> or at
/// process exit; MPI cannot be initialised again afterwards. Open MPI and MPICH-ABI libraries are both found at run
/// time (see <c>MpiLibrary</c>); without either, under a launcher, <see cref="Initialize"/> fails with the
/// packages to install.</para>
/// <para>Calls are serialised by a lock (<c>MPI_THREAD_SERIALIZED</c>), so a collective from the autograd engine's
/// backward pass and one from the training loop never overlap. A collective must be called by every rank in the
/// same order with the same shapes (<see cref="IProcessGroup"/>).</para>
/// <para>CUDA tensors are not accepted: an NCCL group (or CUDA-aware MPI on device pointers) would implement
/// <see cref="IProcessGroup"/> for them without changing any method (docs/distributed.md#processes-and-devices).</para>
/// </remarks>
public sealed class MpiProcessGroup : IProcessGroup, IDisposable
{
    private static readonly object InitLock = new();
    private static MpiProcessGroup? _instance;
    private readonly MpiLibrary _mpi;
    private readonly object _sync = new();
    private bool _disposed;

    private MpiProcessGroup(MpiLibrary mpi, int rank, int worldSize, int threadLevel)
    {
        _mpi = mpi;
        Rank = rank;
        WorldSize = worldSize;
        ThreadLevel = threadLevel;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int WorldSize { get; }

    /// <summary>The MPI library file in use (<c>libmpi.so.40</c>: Open MPI; <c>libmpi.so.12</c>: MPICH ABI).</summary>
    public string Library => _mpi.Path;

    /// <summary>True when the library is Open MPI.</summary>
    public bool IsOpenMpi => _mpi.IsOpenMpi;

    /// <summary>The thread level MPI provided (2 = <c>MPI_THREAD_SERIALIZED</c> was granted).</summary>
    public int ThreadLevel { get; }

    /// <summary>The group of this process when MPI was initialised and not yet finalised, else null.</summary>
    public static MpiProcessGroup? Current
    {
        get
        {
            lock (InitLock) return _instance is { _disposed: false } g ? g : null;
        }
    }

    /// <summary>Whether an MPI library can be loaded on this machine (loads it; does not initialise MPI).</summary>
    public static bool IsLibraryAvailable() => MpiLibrary.TryLoad() is not null;

    /// <summary>
    /// Initialises MPI (once per process; later calls return the same group) and reads rank and world size from
    /// <c>MPI_COMM_WORLD</c>.
    /// </summary>
    /// <exception cref="DllNotFoundException">No MPI library is installed; the message names the packages.</exception>
    /// <exception cref="ObjectDisposedException">MPI was already finalised in this process.</exception>
    public static MpiProcessGroup Initialize()
    {
        lock (InitLock)
        {
            if (_instance is { _disposed: false }) return _instance;
            if (_instance is not null) throw new ObjectDisposedException(nameof(MpiProcessGroup), "MPI was finalised in this process and cannot be initialised again.");
            var mpi = MpiLibrary.TryLoad() ?? throw new DllNotFoundException(NotFoundMessage());
            int level = mpi.Initialized() ? MpiLibrary.ThreadSerialized : mpi.InitThread(MpiLibrary.ThreadSerialized);
            var group = new MpiProcessGroup(mpi, mpi.CommRank(), mpi.CommSize(), level);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => group.Dispose();
            return _instance = group;
        }
    }

    /// <summary>
    /// The process group this process was started in: the MPI group when an MPI launcher started it
    /// (<see cref="MpiLaunch"/>), else <see cref="SingleProcessGroup.Instance"/>.
    /// </summary>
    /// <exception cref="DllNotFoundException">Started by <c>mpirun</c> but no MPI library is installed.</exception>
    public static IProcessGroup FromEnvironment() =>
        MpiLaunch.IsLaunchedByMpi ? Initialize() : SingleProcessGroup.Instance;

    private static string NotFoundMessage() =>
        $"This process was started by an MPI launcher ({MpiLaunch.LauncherVariable() ?? "no launcher variable set"}) but no MPI library " +
        $"was found (tried {string.Join(", ", MpiLibrary.Candidates)}). Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin " +
        "libopenmpi-dev) or MPICH (apt-get install mpich libmpich-dev), or add the folder holding libmpi.so to LD_LIBRARY_PATH.";

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor) => AllReduce(tensor, max: false);

    /// <inheritdoc />
    public void AllReduceMax(Tensor tensor) => AllReduce(tensor, max: true);

    private void AllReduce(Tensor tensor, bool max)
    {
        var type = Check(tensor, inPlace: true);
        InPlaceChunks(tensor, (data, count) => _mpi.AllreduceInPlace(data, count, type, max));
    }

    /// <summary>Runs an in-place collective on <paramref name="tensor"/> in pieces of at most <c>ChunkElements</c> (MPI counts are int).</summary>
    private void InPlaceChunks(Tensor tensor, Action<IntPtr, int> collective)
    {
        long n = tensor.numel();
        if (n == 0) return;
        using var flat = tensor.view(-1);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (long offset = 0; offset < n; offset += ChunkElements)
            {
                using var piece = flat.narrow(0, offset, Math.Min(ChunkElements, n - offset));
                collective(DataPointer(piece), (int)piece.numel());
            }
        }
    }

    /// <inheritdoc />
    public Tensor AllGather(Tensor tensor)
    {
        var type = Check(tensor, inPlace: false);
        long n = tensor.numel();
        if (n * WorldSize > ChunkElements)
            throw new ArgumentException($"All-gather of {n} elements x {WorldSize} processes exceeds {ChunkElements} elements per call; gather smaller pieces.", nameof(tensor));
        var shape = tensor.shape.ToArray();
        if (shape.Length == 0) shape = [1];
        shape[0] *= WorldSize;
        var result = torch.empty(shape, dtype: tensor.dtype);
        if (n == 0) return result;
        using var source = tensor.is_contiguous() ? null : tensor.contiguous();
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _mpi.Allgather(DataPointer(source ?? tensor), DataPointer(result), (int)n, type);
        }
        return result;
    }

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank in [0, {WorldSize}).");
        var type = Check(tensor, inPlace: true);
        InPlaceChunks(tensor, (data, count) => _mpi.Bcast(data, count, type, root));
    }

    /// <inheritdoc />
    public void Barrier()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _mpi.Barrier();
        }
    }

    /// <summary>
    /// Ends the whole job (every rank) with <paramref name="exitCode"/> after writing <paramref name="message"/>, prefixed
    /// with this rank, to standard error: what a rank does when it fails, so the others do not wait for it forever.
    /// </summary>
    /// <remarks>Takes no lock: another thread may be blocked inside a collective.</remarks>
    public void Abort(string message, int exitCode = 1)
    {
        Console.Error.WriteLine($"rank {Rank} of {WorldSize}: {message}");
        Console.Error.Flush();
        _mpi.Abort(exitCode == 0 ? 1 : exitCode);
    }

    /// <summary>Finalises MPI (after a barrier-free <c>MPI_Finalize</c>, no collective may be called).</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed) return;
            _disposed = true;
            if (_mpi.Initialized() && !_mpi.Finalized()) _mpi.FinalizeMpi();
        }
    }

    /// <summary>Elements per MPI call: MPI counts are <c>int</c>, and a piece's bytes (8 per element at most) stay below 2 GiB.</summary>
    private const long ChunkElements = 1L << 27;

    private nint Check(Tensor tensor, bool inPlace)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException($"MPI collectives take CPU tensors; this one is on {tensor.device}. Copy it with .cpu() (and back) or use a CUDA-aware group.", nameof(tensor));
        var type = _mpi.TypeOf(tensor.dtype);
        if (type == 0)
            throw new ArgumentException($"MPI collectives take float32, float64 or int64 tensors; this one is {tensor.dtype}. Convert it with .to(...) first.", nameof(tensor));
        if (inPlace && !tensor.is_contiguous())
            throw new ArgumentException("In-place MPI collectives need a contiguous tensor; call .contiguous() and copy the result back.", nameof(tensor));
        return type;
    }

    private static unsafe nint DataPointer(Tensor tensor) =>
        (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}
