namespace SslSharp.Runs.Reports;

/// <summary>What <see cref="RunReport.Write"/> wrote.</summary>
/// <param name="HtmlPath">The self-contained HTML page.</param>
/// <param name="MarkdownPath">The Markdown version (images linked relatively).</param>
/// <param name="Images">Every PNG the report shows (file names relative to the run folder).</param>
/// <param name="Notes">What was missing or could not be computed.</param>
public sealed record ReportResult(string HtmlPath, string MarkdownPath, IReadOnlyList<string> Images, IReadOnlyList<string> Notes);
