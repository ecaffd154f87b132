using System.Diagnostics;
using System.Globalization;
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
/// <para>Watchdog: a collective that has not completed after <see cref="CollectiveTimeout"/> (environment variable
/// <c>SSLSHARP_COLLECTIVE_TIMEOUT</c>, seconds, default 1800; 0 turns it off) means another process never reached it
/// (hung, deadlocked, or stuck in work this one finished); a background thread then ends the whole job with
/// <see cref="Abort"/>, naming this rank, the collective and how long it waited, instead of waiting forever. A process
/// that dies is noticed by the launcher itself (<c>mpirun</c> ends the job). The timeout must exceed the longest
/// stretch one rank works alone while the others wait (rank 0's evaluation at the end of an epoch).</para>
/// <para>CUDA tensors are not accepted: an NCCL group (or CUDA-aware MPI on device pointers) would implement
/// <see cref="IProcessGroup"/> for them without changing any method (docs/distributed.md#processes-and-devices).</para>
/// </remarks>
public sealed class MpiProcessGroup : IProcessGroup, IDisposable
{
    private static readonly object InitLock = new();
    private static MpiProcessGroup? _instance;
    private readonly MpiLibrary _mpi;
    private readonly object _sync = new();
    private volatile bool _disposed;
    private long _collectiveStart;        // Stopwatch timestamp of the collective in progress, 0 when none
    private volatile string? _collective; // its MPI name
    private long _communicationTicks;     // Stopwatch ticks spent inside collectives
    private long _collectives;            // number of MPI calls made
    private long _timeoutTicks;

    /// <summary>The environment variable that sets <see cref="CollectiveTimeout"/> (seconds; 0: no watchdog).</summary>
    public const string TimeoutVariable = "SSLSHARP_COLLECTIVE_TIMEOUT";

    /// <summary>
    /// The environment variable naming the MPI library to load (a file name looked up as <c>dlopen</c> does, or a path)
    /// instead of the search by launcher family (docs/distributed.md#mpich).
    /// </summary>
    public const string LibraryVariable = "SSLSHARP_MPI_LIBRARY";

    /// <summary>The watchdog's default limit for one collective.</summary>
    public static readonly TimeSpan DefaultCollectiveTimeout = TimeSpan.FromMinutes(30);

    private MpiProcessGroup(MpiLibrary mpi, int rank, int worldSize, int threadLevel)
    {
        _mpi = mpi;
        Rank = rank;
        WorldSize = worldSize;
        ThreadLevel = threadLevel;
        CollectiveTimeout = TimeoutFromEnvironment();
        if (worldSize > 1)
            new Thread(Watch) { IsBackground = true, Name = "SslSharp collective watchdog" }.Start();
    }

    /// <summary>
    /// How long one collective may wait for the other processes before the watchdog aborts the job; null: forever.
    /// Initially from <see cref="TimeoutVariable"/>, else <see cref="DefaultCollectiveTimeout"/>.
    /// </summary>
    public TimeSpan? CollectiveTimeout
    {
        get => Interlocked.Read(ref _timeoutTicks) is long t and > 0 ? TimeSpan.FromTicks(t) : null;
        set => Interlocked.Exchange(ref _timeoutTicks, value is { } v && v > TimeSpan.Zero ? v.Ticks : 0);
    }

    /// <summary>Total time this process has spent inside MPI collectives (waiting for the others included).</summary>
    public TimeSpan CommunicationTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _communicationTicks));

    /// <summary>Number of MPI collective calls this process has made.</summary>
    public long CollectiveCalls => Interlocked.Read(ref _collectives);

    private static TimeSpan? TimeoutFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultCollectiveTimeout;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds >= 0) || double.IsInfinity(seconds))
            throw new ArgumentException($"{TimeoutVariable}='{text}' is not a number of seconds >= 0 (0 turns the collective watchdog off).");
        return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Runs one MPI call, recording its start for the watchdog and its duration for <see cref="CommunicationTime"/>.</summary>
    private void Timed(string name, Action call)
    {
        _collective = name;
        long start = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _collectiveStart, start);
        try
        {
            call();
        }
        finally
        {
            Interlocked.Exchange(ref _collectiveStart, 0);
            Interlocked.Add(ref _communicationTicks, Stopwatch.GetTimestamp() - start);
            Interlocked.Increment(ref _collectives);
        }
    }

    private void Watch()
    {
        while (!_disposed)
        {
            Thread.Sleep(200);
            long start = Interlocked.Read(ref _collectiveStart);
            if (start == 0 || CollectiveTimeout is not { } limit) continue;
            var waited = Stopwatch.GetElapsedTime(start);
            if (waited <= limit || _disposed) continue;
            string message = $"{_collective} did not complete within {limit.TotalSeconds:0.#} s (waited {waited.TotalSeconds:0.#} s): " +
                "another process never reached it (hung or stuck). Aborting the job; set " + TimeoutVariable + " (seconds, 0: off) to change the limit.";
            // MPI_Abort normally ends every process at once; should it not return within 10 s, this process dies anyway
            // (a process that exits without MPI_Finalize makes the launcher end the job).
            var fallback = new Timer(_ => Environment.FailFast($"rank {Rank} of {WorldSize}: {message}"), null, 10_000, Timeout.Infinite);
            Abort(message, 4);
            GC.KeepAlive(fallback);
            return;
        }
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
    public static bool IsLibraryAvailable() => MpiLibrary.TryLoad(MpiLibrary.Candidates(Environment.GetEnvironmentVariable)) is not null;

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
            var candidates = MpiLibrary.Candidates(Environment.GetEnvironmentVariable);
            var mpi = MpiLibrary.TryLoad(candidates) ?? throw new DllNotFoundException(NotFoundMessage(candidates));
            int level = mpi.Initialized() ? MpiLibrary.ThreadSerialized : mpi.InitThread(MpiLibrary.ThreadSerialized);
            int size = mpi.CommSize();
            if (WorldSizeMismatch(Environment.GetEnvironmentVariable, mpi.Path, size) is { } mismatch)
                throw new InvalidOperationException(mismatch);
            var group = new MpiProcessGroup(mpi, mpi.CommRank(), size, level);
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

    private static string NotFoundMessage(IReadOnlyList<string> candidates) =>
        $"This process was started by an MPI launcher ({MpiLaunch.LauncherVariable() ?? "no launcher variable set"}) but no MPI library " +
        $"was found (tried {string.Join(", ", candidates)}). Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin " +
        "libopenmpi-dev) or MPICH (apt-get install mpich libmpich-dev), add the folder holding the library to LD_LIBRARY_PATH, " +
        $"or name it in {LibraryVariable}.";

    /// <summary>
    /// The error when the launcher in <paramref name="environment"/> started a different number of processes than the
    /// loaded library's <c>MPI_COMM_WORLD</c> holds (a library of another MPI than the launcher's: every process would
    /// train alone as rank 0 of 1), else null.
    /// </summary>
    internal static string? WorldSizeMismatch(Func<string, string?> environment, string library, int worldSize) =>
        MpiLaunch.LaunchedWorldSize(environment) is int launched && launched != worldSize
            ? $"The launcher started {launched} processes ({MpiLaunch.LauncherVariable(environment)}) but MPI_COMM_WORLD of {library} " +
              $"holds {worldSize}: the library is not the launcher's MPI ({(MpiLaunch.IsPmiLauncher(environment) ? "an MPICH-family mpiexec" : "Open MPI's mpirun")}). " +
              $"Add the folder holding the launcher's library to LD_LIBRARY_PATH or name it in {LibraryVariable} (e.g. libmpich.so.12 for MPICH, libmpi.so.40 for Open MPI)."
            : null;

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor) => AllReduce(tensor, max: false);

    /// <inheritdoc />
    public void AllReduceMax(Tensor tensor) => AllReduce(tensor, max: true);

    private void AllReduce(Tensor tensor, bool max)
    {
        var type = Check(tensor, inPlace: true);
        InPlaceChunks(tensor, (data, count) => Timed("MPI_Allreduce", () => _mpi.AllreduceInPlace(data, count, type, max)));
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
            nint send = DataPointer(source ?? tensor), receive = DataPointer(result);
            Timed("MPI_Allgather", () => _mpi.Allgather(send, receive, (int)n, type));
        }
        return result;
    }

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank in [0, {WorldSize}).");
        var type = Check(tensor, inPlace: true);
        InPlaceChunks(tensor, (data, count) => Timed("MPI_Bcast", () => _mpi.Bcast(data, count, type, root)));
    }

    /// <inheritdoc />
    public void Barrier()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Timed("MPI_Barrier", _mpi.Barrier);
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
