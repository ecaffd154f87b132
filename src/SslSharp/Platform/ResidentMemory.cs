using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SslSharp.Platform;

/// <summary>
/// Measures the process's resident memory the way the memory tests and benchmarks need it: after
/// full, finalizer-draining garbage collections, so that native tensors whose managed handles are
/// gone have been released.
/// </summary>
public static class ResidentMemory
{
    /// <summary>
    /// Resident set size in bytes after two GC + finalizer passes (the second catches objects the
    /// first pass's finalizers released).
    /// </summary>
    /// <param name="trimHeap">
    /// On Linux, first ask glibc to return free heap pages to the system (<c>malloc_trim(0)</c>), so
    /// the figure counts memory still in use rather than memory the allocator keeps cached.
    /// </param>
    public static long Measure(bool trimHeap = false)
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        GC.Collect();
        if (trimHeap && OperatingSystem.IsLinux()) TryTrim();
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }

    private static void TryTrim()
    {
        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to trim; the plain figure stands.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
