namespace SslSharp.Reporting;

/// <summary>A PNG shown in a report.</summary>
/// <param name="File">File name relative to the run folder (e.g. <c>spectrum.png</c>).</param>
/// <param name="Caption">What the image shows.</param>
public sealed record ReportImage(string File, string Caption);
