using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Native;

/// <summary>
/// Proves that libtorch loads in the test output (the libstdc++ compatibility step of
/// Directory.Build.targets) and that a conv + BN forward/backward works.
/// </summary>
public class TorchLoadsTests
{
    [Fact]
    public void Conv_bn_forward_backward_produces_finite_gradients()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var conv = nn.Conv2d(1, 4, 3, padding: 1);
        var bn = nn.BatchNorm2d(4);
        var x = torch.randn(8, 1, 12, 12);
        var y = bn.call(conv.call(x)).relu().mean();
        y.backward();
        var grad = conv.weight!.grad;
        Assert.NotNull(grad);
        Assert.True(grad!.isfinite().all().item<bool>());
        Assert.True(grad.abs().sum().item<float>() > 0f);
        conv.Dispose();
        bn.Dispose();
    }

    [Fact]
    public void Output_copy_of_LibTorchSharp_differs_from_the_nuget_cache_only_where_needed()
    {
        // The build must never modify the NuGet cache: the cached file still carries the strict
        // GLIBCXX_3.4.32 requirement while the test output's copy loads (the test above).
        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                   ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var local = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux() || !File.Exists(cached)) return; // nothing to compare on other systems
        Assert.True(File.Exists(local), $"expected a copy of libLibTorchSharp.so at {local}");
        var a = File.ReadAllBytes(cached);
        var b = File.ReadAllBytes(local);
        Assert.Equal(a.Length, b.Length);
        int differing = a.Where((t, i) => t != b[i]).Count();
        bool systemHasVersion = File.Exists("/usr/lib/x86_64-linux-gnu/libstdc++.so.6") &&
            System.Text.Encoding.ASCII.GetString(File.ReadAllBytes("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")).Contains("GLIBCXX_3.4.32\0");
        // Exactly one byte (the vna_flags of one Vernaux entry) changes when patching is needed.
        Assert.Equal(systemHasVersion ? 0 : 1, differing);
    }
}
