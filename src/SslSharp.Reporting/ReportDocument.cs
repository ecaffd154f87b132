namespace SslSharp.Reporting;

/// <summary>A run report before rendering: a title, a subtitle line and sections (rendered by <see cref="ReportHtml"/> and <see cref="ReportMarkdown"/>).</summary>
/// <param name="Title">Main heading.</param>
/// <param name="Subtitle">One line under the heading (run folder, date).</param>
public sealed record ReportDocument(string Title, string Subtitle)
{
    /// <summary>The sections in order.</summary>
    public List<ReportSection> Sections { get; } = [];

    /// <summary>Adds and returns a new section.</summary>
    public ReportSection Add(string id, string title)
    {
        var section = new ReportSection(id, title);
        Sections.Add(section);
        return section;
    }
}
