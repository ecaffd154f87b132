using System.Text;

namespace SslSharp.Reporting;

/// <summary>Renders a <see cref="ReportDocument"/> as Markdown with images linked relative to the run folder.</summary>
public static class ReportMarkdown
{
    /// <summary>Renders the document.</summary>
    public static string Render(ReportDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var sb = new StringBuilder();
        sb.Append("# ").AppendLine(document.Title).AppendLine().AppendLine(document.Subtitle).AppendLine();
        foreach (var s in document.Sections)
        {
            sb.Append("## ").AppendLine(s.Title).AppendLine();
            foreach (var p in s.Paragraphs) sb.AppendLine(p).AppendLine();
            foreach (var image in s.Images)
                sb.Append("![").Append(image.Caption.Replace("]", ")", StringComparison.Ordinal)).Append("](")
                  .Append(Uri.EscapeDataString(image.File).Replace("%2F", "/", StringComparison.Ordinal)).AppendLine(")").AppendLine()
                  .Append('*').Append(image.Caption).AppendLine("*").AppendLine();
            foreach (var t in s.Tables) Table(sb, t);
            foreach (var n in s.Notes) sb.Append("> **Note:** ").AppendLine(n).AppendLine();
        }
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, ReportTable t)
    {
        static string C(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        sb.Append("| ").Append(string.Join(" | ", t.Header.Select(C))).AppendLine(" |");
        sb.Append('|').Append(string.Join("|", t.Header.Select((_, i) => t.IsRight(i) ? "---:" : "---"))).AppendLine("|");
        foreach (var row in t.Rows) sb.Append("| ").Append(string.Join(" | ", row.Select(C))).AppendLine(" |");
        sb.AppendLine();
    }
}
