namespace SslSharp.Reporting;

/// <summary>One section of a run report: a title, then paragraphs, images, tables and notes in that order.</summary>
/// <param name="Id">Anchor id (lower-case, dashes), e.g. <c>spectrum</c>.</param>
/// <param name="Title">Heading.</param>
public sealed record ReportSection(string Id, string Title)
{
    /// <summary>Explanatory paragraphs (plain text).</summary>
    public List<string> Paragraphs { get; } = [];

    /// <summary>Images, shown in order.</summary>
    public List<ReportImage> Images { get; } = [];

    /// <summary>Tables, shown after the images.</summary>
    public List<ReportTable> Tables { get; } = [];

    /// <summary>What is missing or could not be computed (shown highlighted).</summary>
    public List<string> Notes { get; } = [];
}
