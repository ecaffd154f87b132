using Mono.Cecil;
using Mono.Cecil.Cil;
using SslSharp.Losses;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Architecture;

/// <summary>
/// No loss reads a tensor back to the host on the training path: every such read in <c>SslSharp.Losses</c> sits in
/// <c>LossChecks.Holds</c>, which returns before reading when <see cref="LossChecks.Debug"/> is off. Read from the
/// compiled IL (Mono.Cecil), so a new <c>.item&lt;T&gt;()</c> in any loss fails here, lambdas and iterators included.
/// </summary>
public class HostSyncTests
{
    /// <summary>Tensor members that copy a device value to the host (a sync on an accelerator).</summary>
    private static readonly HashSet<string> HostReads = new(StringComparer.Ordinal)
    {
        "item", "ToDouble", "ToSingle", "ToInt64", "ToInt32", "ToInt16", "ToByte", "ToBoolean", "ToScalar", "ToHalf",
        "data", "allclose", "op_Explicit",
    };

    private const string Guarded = "SslSharp.Losses.LossChecks::Holds";

    private static AssemblyDefinition Load() =>
        AssemblyDefinition.ReadAssembly(Path.Combine(AppContext.BaseDirectory, "SslSharp.dll"));

    private static string NamespaceOf(TypeDefinition type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type.Namespace;
    }

    private static IEnumerable<TypeDefinition> WithNested(TypeDefinition type) =>
        new[] { type }.Concat(type.NestedTypes.SelectMany(WithNested));

    private static bool IsHostRead(Instruction ins) =>
        ins.Operand is MethodReference m && HostReads.Contains(m.Name) &&
        (m.DeclaringType.FullName == "TorchSharp.torch/Tensor" || m.DeclaringType.FullName == "TorchSharp.Scalar");

    /// <summary>Every (method, call) in <c>SslSharp.Losses</c> that reads a tensor on the host.</summary>
    internal static List<(string Method, string Call)> HostReadsIn(AssemblyDefinition assembly, string ns) =>
        assembly.MainModule.Types.SelectMany(WithNested)
            .Where(t => NamespaceOf(t) == ns)
            .SelectMany(t => t.Methods.Where(m => m.HasBody)
                .SelectMany(m => m.Body.Instructions.Where(IsHostRead)
                    .Select(i => ($"{m.DeclaringType.FullName}::{m.Name}", ((MethodReference)i.Operand).Name))))
            .ToList();

    [Fact]
    public void No_loss_reads_a_tensor_on_the_host_outside_the_debug_guarded_helper()
    {
        using var assembly = Load();
        var reads = HostReadsIn(assembly, "SslSharp.Losses");
        var outside = reads.Where(r => r.Method != Guarded).Select(r => $"{r.Method} calls Tensor.{r.Call}").ToList();
        Assert.True(outside.Count == 0,
            "Host reads in SslSharp.Losses outside LossChecks.Holds (put value checks behind LossChecks, debug only):\n" + string.Join("\n", outside));
        Assert.Contains(reads, r => r.Method == Guarded);   // the scan does see the one allowed read
    }

    [Fact]
    public void The_guarded_helper_tests_the_debug_switch_before_it_reads()
    {
        using var assembly = Load();
        var holds = assembly.MainModule.GetType("SslSharp.Losses.LossChecks").Methods.Single(m => m.Name == "Holds");
        var body = holds.Body.Instructions.ToList();
        int debug = body.FindIndex(i => i.Operand is MethodReference m && m.Name == "get_Debug");
        int read = body.FindIndex(IsHostRead);
        Assert.True(debug >= 0 && read > debug, "LossChecks.Holds must return before reading when LossChecks.Debug is off.");
    }

    [Fact]
    public void The_scan_finds_a_host_read_where_there_is_one()
    {
        // Evaluation reads its metrics on the host: the scan must see such reads, or the test above would pass vacuously.
        using var assembly = Load();
        Assert.NotEmpty(HostReadsIn(assembly, "SslSharp.Evaluation.Neighbours"));
    }

    [Fact]
    public void With_the_switch_off_a_non_finite_input_gives_a_non_finite_loss_instead_of_a_check()
    {
        using var scope = torch.NewDisposeScope();
        using (LossChecks.DebugScope(false))
        {
            var z = torch.randn(4, 3);
            var bad = z.clone();
            bad[0, 0] = torch.tensor(float.NaN);
            Assert.False(LossChecks.Debug);
            Assert.True(double.IsNaN(NTXentLoss.Compute(z, bad).ToDouble()));
            using (LossChecks.DebugScope())
            {
                Assert.True(LossChecks.Debug);
                Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => NTXentLoss.Compute(z, bad)).Message);
            }
            Assert.False(LossChecks.Debug);
        }
    }

    [Fact]
    public async Task The_debug_scope_does_not_reach_work_started_outside_it()
    {
        bool before = LossChecks.Debug;
        using var entered = new ManualResetEventSlim();
        var outside = Task.Run(() =>
        {
            entered.Wait();
            return LossChecks.Debug;   // a parallel test: its async flow began outside the scope
        });
        bool seenOutside;
        using (LossChecks.DebugScope(!before))
        {
            Assert.Equal(!before, LossChecks.Debug);
            entered.Set();
            seenOutside = await outside;
            Assert.Equal(!before, LossChecks.Debug);
        }
        Assert.Equal(before, seenOutside);
        Assert.Equal(before, LossChecks.Debug);
    }
}
