using System.Text.RegularExpressions;
using Mono.Cecil;

namespace SslSharp.Tests.Architecture;

/// <summary>
/// Dependencies run one way (<see cref="Layers"/>): checked on the compiled assemblies (every type, signature and
/// IL reference, through Mono.Cecil) and on the source files' <c>using</c> lines; and the core library references
/// TorchSharp alone.
/// </summary>
public class LayeringTests
{
    private static readonly string[] Assemblies = { "SslSharp", "SslSharp.Imaging", "SslSharp.Reporting", "SslSharp.Runs", "SslSharp.Cli" };

    private static AssemblyDefinition Load(string name) =>
        AssemblyDefinition.ReadAssembly(Path.Combine(AppContext.BaseDirectory, name + ".dll"));

    /// <summary>"X uses Y" for every reference from a lower layer to a higher one.</summary>
    internal static List<string> Violations(AssemblyDefinition assembly) =>
        TypeDependencies.Read(assembly)
            .Where(d => Layers.Of(d.FromNamespace) is { } from && Layers.Of(d.ToNamespace) is { } to && !Layers.Allowed(from, to))
            .Select(d => $"{d.From} ({Layers.Of(d.FromNamespace)}) uses {d.To} ({Layers.Of(d.ToNamespace)})")
            .Distinct()
            .ToList();

    private static readonly Regex NamespaceLine = new(@"^namespace\s+(SslSharp[\w.]*)\s*[;{]", RegexOptions.Multiline);
    private static readonly Regex UsingLine = new(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(SslSharp[\w.]*)\s*;", RegexOptions.Multiline);

    /// <summary>"file: using X" for every <c>using</c> of a higher layer in one source text.</summary>
    internal static IEnumerable<string> SourceViolations(string file, string text)
    {
        var ns = NamespaceLine.Match(text);
        if (!ns.Success || Layers.Of(ns.Groups[1].Value) is not { } from) yield break;
        foreach (Match u in UsingLine.Matches(text))
            if (Layers.Of(u.Groups[1].Value) is { } to && !Layers.Allowed(from, to))
                yield return $"{file}: namespace {ns.Groups[1].Value} ({from}) has 'using {u.Groups[1].Value};' ({to})";
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SslSharp.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No SslSharp.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }

    [Theory]
    [MemberData(nameof(AssemblyNames))]
    public void No_type_uses_a_higher_layer(string assembly)
    {
        using var a = Load(assembly);
        var violations = Violations(a);
        Assert.True(violations.Count == 0, $"{violations.Count} reverse dependencies in {assembly}:\n" + string.Join("\n", violations));
    }

    public static TheoryData<string> AssemblyNames => new(Assemblies);

    [Fact]
    public void No_source_file_has_a_using_of_a_higher_layer()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var violations = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => SourceViolations(Path.GetRelativePath(src, f), File.ReadAllText(f)))
            .ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void Every_SslSharp_namespace_is_in_a_layer()
    {
        foreach (var name in Assemblies)
        {
            using var a = Load(name);
            foreach (var t in a.MainModule.Types.Where(t => t.Namespace.StartsWith("SslSharp", StringComparison.Ordinal)))
            {
                var layer = Layers.Of(t.Namespace);
                Assert.True(layer is not null && Layers.MayUse.ContainsKey(layer), $"{t.FullName} is in no layer of {nameof(Layers)}.");
            }
        }
    }

    [Theory]
    [InlineData("SslSharp", new[] { "TorchSharp" })]
    [InlineData("SslSharp.Reporting", new[] { "SslSharp", "TorchSharp", "ScottPlot", "SkiaSharp" })]
    [InlineData("SslSharp.Imaging", new[] { "SslSharp", "SkiaSharp" })]
    [InlineData("SslSharp.Runs", new[] { "SslSharp", "SslSharp.Reporting", "SslSharp.Imaging", "TorchSharp", "YamlDotNet" })]
    public void Each_library_assembly_references_only_its_packages(string assembly, string[] allowed)
    {
        using var a = Load(assembly);
        var others = a.MainModule.AssemblyReferences.Select(r => r.Name)
            .Where(n => !n.StartsWith("System", StringComparison.Ordinal) && n != "netstandard" && n != "mscorlib" && !allowed.Contains(n))
            .ToList();
        Assert.True(others.Count == 0, $"{assembly} references {string.Join(", ", others)}; allowed besides the runtime: {string.Join(", ", allowed)}.");
    }

    [Fact]
    public void The_checker_reports_a_reverse_dependency_and_passes_an_allowed_one()
    {
        using var real = Load("SslSharp");
        using var fake = AssemblyDefinition.CreateAssembly(new AssemblyNameDefinition("Fake", new Version(1, 0)), "Fake", ModuleKind.Dll);
        var module = fake.MainModule;
        var type = new TypeDefinition("SslSharp.Core", "Reversed", TypeAttributes.Public | TypeAttributes.Class, module.TypeSystem.Object);
        var method = real.MainModule.GetType("SslSharp.Methods.SslMethod");
        var batch = real.MainModule.GetType("SslSharp.Core.ViewBatch");
        Assert.NotNull(method);
        type.Fields.Add(new FieldDefinition("method", FieldAttributes.Private, module.ImportReference(method)));
        type.Fields.Add(new FieldDefinition("batch", FieldAttributes.Private, module.ImportReference(batch)));
        var allowed = new TypeDefinition("SslSharp.Methods", "Allowed", TypeAttributes.Public | TypeAttributes.Class, module.TypeSystem.Object);
        allowed.Fields.Add(new FieldDefinition("batch", FieldAttributes.Private, module.ImportReference(batch)));
        module.Types.Add(type);
        module.Types.Add(allowed);

        var violations = Violations(fake);

        Assert.Equal(new[] { "SslSharp.Core.Reversed (Core) uses SslSharp.Methods.SslMethod (Methods)" }, violations);
    }

    [Fact]
    public void The_source_checker_reports_a_reverse_using_and_passes_an_allowed_one()
    {
        const string text = "using SslSharp.Core;\nusing SslSharp.Runs;\nusing static SslSharp.Methods.Foo;\n\nnamespace SslSharp.Losses;\n";
        Assert.Equal(
            new[]
            {
                "X.cs: namespace SslSharp.Losses (Losses) has 'using SslSharp.Runs;' (Runs)",
                "X.cs: namespace SslSharp.Losses (Losses) has 'using SslSharp.Methods.Foo;' (Methods)",
            },
            SourceViolations("X.cs", text));
        Assert.Empty(SourceViolations("Y.cs", "using SslSharp.Core;\nusing SslSharp.Losses;\nnamespace SslSharp.Methods.Contrastive;\n"));
    }
}
