using System.Text.RegularExpressions;

namespace SslSharp.Tests.Architecture;

/// <summary>
/// Every document a source file, script or doc cites is in the repository: <c>docs/NAME.md</c> exists and its
/// <c>#anchor</c> names one of its headings (GitHub's anchor rule), and nothing cites a planning file a clone lacks.
/// </summary>
public class DocCitationTests
{
    private static readonly Regex Citation = new(@"docs/([\w-]+\.md)(#[\w-]+)?");
    private static readonly Regex RelativeLink = new(@"\]\(([\w-]+\.md)(#[\w-]+)?\)");
    private static readonly string[] Outside = { "METHODS.md", "DESIGN.md", "../shared" };

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SslSharp.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the tests from a clone of the repository (no SslSharp.sln found).");
    }

    /// <summary>GitHub's heading anchor: lower case, punctuation other than '-' and '_' dropped, spaces to '-'.</summary>
    internal static string Anchor(string heading) =>
        Regex.Replace(heading.Trim().ToLowerInvariant(), @"[^\p{L}\p{Nd}\s_-]", "").Replace(' ', '-');

    private static IEnumerable<string> Sources(string root) =>
        new[] { "src", "tests", "scripts", "benchmarks", "examples" }
            .Select(d => Path.Combine(root, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.EndsWith(nameof(DocCitationTests) + ".cs", StringComparison.Ordinal)
                        && new[] { ".cs", ".py", ".sh", ".yaml", ".md", ".csproj" }.Contains(Path.GetExtension(f)))
            .Concat(new[] { "README.md", "Directory.Build.props", "Directory.Build.targets" }.Select(f => Path.Combine(root, f)));

    private static string? Missing(string docs, string file, string? anchor)
    {
        var path = Path.Combine(docs, file);
        if (!File.Exists(path)) return $"docs/{file} does not exist";
        if (anchor is null) return null;
        var anchors = File.ReadLines(path).Where(l => l.StartsWith('#')).Select(l => "#" + Anchor(l.TrimStart('#'))).ToHashSet();
        return anchors.Contains(anchor) ? null : $"docs/{file} has no heading for {anchor}";
    }

    [Fact]
    public void Every_cited_document_and_heading_exists()
    {
        var root = Root();
        var docs = Path.Combine(root, "docs");
        var problems = new List<string>();
        foreach (var f in Sources(root))
        {
            var text = File.ReadAllText(f);
            var rel = Path.GetRelativePath(root, f);
            foreach (Match m in Citation.Matches(text))
                if (Missing(docs, m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null) is { } why) problems.Add($"{rel}: {why}");
            foreach (var o in Outside.Where(o => text.Contains(o, StringComparison.Ordinal)))
                problems.Add($"{rel}: cites {o}, which a clone of the repository does not contain");
        }
        foreach (var f in Directory.EnumerateFiles(docs, "*.md"))
            foreach (Match m in RelativeLink.Matches(File.ReadAllText(f)))
                if (Missing(docs, m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null) is { } why)
                    problems.Add($"docs/{Path.GetFileName(f)}: {why}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("SimCLR (NT-Xent)", "simclr-nt-xent")]
    [InlineData("Default SimCLR run (PretrainDefaults)", "default-simclr-run-pretraindefaults")]
    [InlineData("Masked image modelling (planned)", "masked-image-modelling-planned")]
    [InlineData("contrastive-margin", "contrastive-margin")]
    public void Anchors_follow_GitHub(string heading, string anchor) => Assert.Equal(anchor, Anchor(heading));
}
