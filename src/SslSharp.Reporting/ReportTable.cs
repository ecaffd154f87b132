namespace SslSharp.Reporting;

/// <summary>A table of text cells in a report: a header row and body rows of the same width.</summary>
/// <param name="Header">Column titles.</param>
/// <param name="Rows">Body rows; each has <c>Header.Count</c> cells.</param>
/// <param name="RightAligned">Per column: align right (numbers); null for all left.</param>
public sealed record ReportTable(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<bool>? RightAligned = null)
{
    /// <summary>Whether column <paramref name="i"/> is right-aligned.</summary>
    public bool IsRight(int i) => RightAligned is not null && i < RightAligned.Count && RightAligned[i];
}
