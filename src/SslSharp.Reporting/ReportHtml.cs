using System.Net;
using System.Text;

namespace SslSharp.Reporting;

/// <summary>
/// Renders a <see cref="ReportDocument"/> as one self-contained HTML page: styles inline and every
/// PNG embedded as a base64 <c>data:</c> URI, so the file opens in any browser on its own.
/// </summary>
public static class ReportHtml
{
    /// <summary>Renders the page; images are read from <paramref name="runDirectory"/> (a missing one becomes a note).</summary>
    public static string Render(ReportDocument document, string runDirectory)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\">").AppendLine("<head>").AppendLine("<meta charset=\"utf-8\">");
        sb.Append("<title>").Append(E(document.Title)).AppendLine("</title>");
        sb.AppendLine("<style>").AppendLine(Style).AppendLine("</style>").AppendLine("</head>").AppendLine("<body>");
        sb.Append("<h1>").Append(E(document.Title)).AppendLine("</h1>");
        sb.Append("<p class=\"subtitle\">").Append(E(document.Subtitle)).AppendLine("</p>");
        sb.AppendLine("<nav><ul>");
        foreach (var s in document.Sections)
            sb.Append("<li><a href=\"#").Append(E(s.Id)).Append("\">").Append(E(s.Title)).AppendLine("</a></li>");
        sb.AppendLine("</ul></nav>");
        foreach (var s in document.Sections)
        {
            sb.Append("<section id=\"").Append(E(s.Id)).AppendLine("\">");
            sb.Append("<h2>").Append(E(s.Title)).AppendLine("</h2>");
            foreach (var p in s.Paragraphs) sb.Append("<p>").Append(E(p)).AppendLine("</p>");
            foreach (var image in s.Images)
            {
                var path = Path.Combine(runDirectory, image.File);
                if (!File.Exists(path))
                {
                    sb.Append("<p class=\"note\">Image ").Append(E(image.File)).AppendLine(" is missing.</p>");
                    continue;
                }
                sb.Append("<figure><img src=\"data:image/png;base64,").Append(Convert.ToBase64String(File.ReadAllBytes(path)))
                  .Append("\" alt=\"").Append(E(image.Caption)).Append("\" data-file=\"").Append(E(image.File)).Append("\">")
                  .Append("<figcaption>").Append(E(image.Caption)).AppendLine("</figcaption></figure>");
            }
            foreach (var t in s.Tables) Table(sb, t);
            foreach (var n in s.Notes) sb.Append("<p class=\"note\">").Append(E(n)).AppendLine("</p>");
            sb.AppendLine("</section>");
        }
        sb.AppendLine("</body>").AppendLine("</html>");
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, ReportTable t)
    {
        sb.AppendLine("<table>").Append("<thead><tr>");
        for (int i = 0; i < t.Header.Count; i++) sb.Append(Cell("th", t, i, t.Header[i]));
        sb.AppendLine("</tr></thead>").AppendLine("<tbody>");
        foreach (var row in t.Rows)
        {
            sb.Append("<tr>");
            for (int i = 0; i < row.Count; i++) sb.Append(Cell("td", t, i, row[i]));
            sb.AppendLine("</tr>");
        }
        sb.AppendLine("</tbody>").AppendLine("</table>");
    }

    private static string Cell(string tag, ReportTable t, int i, string text) =>
        t.IsRight(i) ? $"<{tag} class=\"num\">{E(text)}</{tag}>" : $"<{tag}>{E(text)}</{tag}>";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
        h1 { margin-bottom: 0.2em; }
        h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
        .subtitle { color: #666; margin-top: 0; }
        nav ul { display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; list-style: none; padding: 0; }
        figure { margin: 1em 0; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { color: #555; font-size: 0.9em; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.95em; }
        th, td { border: 1px solid #ddd; padding: 0.3em 0.7em; text-align: left; }
        th { background: #f5f5f5; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.4em 0.8em; }
        """;
}
