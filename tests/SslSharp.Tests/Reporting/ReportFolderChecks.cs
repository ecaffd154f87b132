using System.Text.RegularExpressions;
using SslSharp.Reporting;
using SslSharp.Runs.Reports;

namespace SslSharp.Tests.Reporting;

/// <summary>What every written report must satisfy, whatever the inputs.</summary>
internal static partial class ReportFolderChecks
{
    /// <summary>Checks both files, every image they show, and the sections; returns the HTML.</summary>
    public static string AssertComplete(string dir, ReportResult result)
    {
        Assert.Equal(Path.Combine(dir, "report.html"), result.HtmlPath);
        Assert.Equal(Path.Combine(dir, "report.md"), result.MarkdownPath);
        var html = File.ReadAllText(result.HtmlPath);
        var md = File.ReadAllText(result.MarkdownPath);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.EndsWith("</html>", html.TrimEnd());
        foreach (var id in RunReport.SectionIds)
        {
            Assert.Contains($"<section id=\"{id}\">", html);
            Assert.Contains($"<a href=\"#{id}\">", html);
        }
        Assert.Equal(RunReport.SectionIds.Count, Regex.Matches(md, "^## ", RegexOptions.Multiline).Count);

        // Every embedded image is a complete PNG, and every image is embedded once.
        var embedded = DataUri().Matches(html).Select(m => (File: m.Groups[2].Value, Bytes: Convert.FromBase64String(m.Groups[1].Value))).ToList();
        Assert.Equal(result.Images.Count, embedded.Count);
        foreach (var (file, bytes) in embedded)
        {
            PngFile.AssertValid(bytes, "embedded " + file);
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, file)), bytes);
        }
        // Every image the Markdown links exists next to it and is a PNG.
        var linked = MdImage().Matches(md).Select(m => Uri.UnescapeDataString(m.Groups[1].Value)).ToList();
        Assert.Equal(result.Images.OrderBy(x => x), linked.OrderBy(x => x));
        foreach (var file in linked) PngFile.AssertValid(Path.Combine(dir, file));
        return html;
    }

    [GeneratedRegex("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" alt=\"[^\"]*\" data-file=\"([^\"]+)\">")]
    private static partial Regex DataUri();

    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+)\)")]
    private static partial Regex MdImage();
}
