using System.Runtime.CompilerServices;

namespace SslSharp.Tests;

/// <summary>Process-wide settings applied before any test runs.</summary>
internal static class TestProcessSetup
{
    /// <summary>
    /// One libtorch intra-op thread for the whole test process. xUnit already runs test classes in
    /// parallel on every core, and some tests need one thread to compare runs bit for bit; setting it
    /// here, once, means no test changes the thread count (and so the float reduction order) under
    /// another test that is comparing two runs of its own.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => TorchSharp.torch.set_num_threads(1);
}
