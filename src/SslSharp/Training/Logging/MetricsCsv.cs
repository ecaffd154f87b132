using System.Globalization;

namespace SslSharp.Training.Logging;

/// <summary>
/// Reads (and formats rows of) the run's logs of named values: <c>metrics.csv</c> (wide, one row
/// per step: <c>step,epoch,loss,lr,images_per_s</c>, written by the trainer) and <c>logged.csv</c>
/// (long, the values callbacks log: kNN accuracy, probes, ranks). <see cref="ReadRun"/> merges both.
/// </summary>
/// <remarks>
/// <para>The long format: header <c>step,epoch,name,value</c>, one row per logged value, e.g.
/// <c>120,3,loss,4.8123</c>, <c>120,3,lr,0.3</c>, <c>160,3,knn_top1_k20,0.8123</c>. Names the
/// trainer writes: <c>loss</c>, <c>lr</c>, <c>images_per_s</c>; callbacks add their own
/// (<c>knn_top1_k20</c>, ...). Numbers use the invariant culture.</para>
/// <para>The reader is tolerant: columns are found by header name in any order; a file without
/// header is read as <c>step,epoch,name,value</c>; a WIDE file (header <c>step[,epoch],a,b,...</c>,
/// one column per metric, empty cells for missing values) is also accepted; blank lines are
/// ignored and malformed rows are skipped and counted in <see cref="MetricsTable.SkippedRows"/>.</para>
/// </remarks>
public static class MetricsCsv
{
    /// <summary>The header line of the long format.</summary>
    public const string Header = "step,epoch,name,value";

    /// <summary>File name of the per-step metrics in a run folder (wide format).</summary>
    public const string MetricsFile = "metrics.csv";

    /// <summary>File name of the values callbacks logged in a run folder (long format).</summary>
    public const string LoggedFile = "logged.csv";

    /// <summary>
    /// Reads <see cref="MetricsFile"/> and, when present, <see cref="LoggedFile"/> of a run folder
    /// into one table (series of the same name are concatenated).
    /// </summary>
    /// <exception cref="FileNotFoundException">The run folder has no <see cref="MetricsFile"/>.</exception>
    public static MetricsTable ReadRun(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        var metrics = Read(Path.Combine(runDirectory, MetricsFile));
        var loggedPath = Path.Combine(runDirectory, LoggedFile);
        if (!File.Exists(loggedPath)) return metrics;
        var logged = Read(loggedPath);
        var merged = new Dictionary<string, IReadOnlyList<MetricPoint>>(StringComparer.Ordinal);
        foreach (var table in new[] { metrics, logged })
            foreach (var name in table.Names)
                merged[name] = merged.TryGetValue(name, out var have) ? have.Concat(table.Series(name)).ToList() : table.Series(name);
        return new MetricsTable(merged, metrics.SkippedRows + logged.SkippedRows);
    }

    /// <summary>Formats one row of the long format (invariant culture, round-trippable value).</summary>
    public static string FormatRow(long step, int epoch, string name, double value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(',') || name.Contains('\n') || name.Contains('"'))
            throw new ArgumentException($"Metric name '{name}' must not contain commas, quotes or newlines.", nameof(name));
        return string.Create(CultureInfo.InvariantCulture, $"{step},{epoch},{name},{value:R}");
    }

    /// <summary>Reads a metrics file.</summary>
    /// <exception cref="FileNotFoundException">When <paramref name="path"/> does not exist.</exception>
    public static MetricsTable Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"metrics file '{path}' does not exist; the trainer writes it into the run folder.", path);
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return Parse(reader);
    }

    /// <summary>Parses metrics text (see the remarks of <see cref="MetricsCsv"/> for the accepted layouts).</summary>
    public static MetricsTable Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var series = new Dictionary<string, List<MetricPoint>>(StringComparer.Ordinal);
        int skipped = 0;
        string[]? header = null;
        bool headerChecked = false;
        int stepCol = 0, epochCol = 1, nameCol = 2, valueCol = 3;
        bool wide = false;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',').Select(c => c.Trim().Trim('"')).ToArray();
            if (!headerChecked)
            {
                headerChecked = true;
                if (!long.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                {
                    header = cells.Select(c => c.ToLowerInvariant()).ToArray();
                    stepCol = Array.IndexOf(header, "step");
                    epochCol = Array.IndexOf(header, "epoch");
                    nameCol = Array.IndexOf(header, "name");
                    valueCol = Array.IndexOf(header, "value");
                    wide = nameCol < 0 || valueCol < 0;
                    if (stepCol < 0)
                        throw new InvalidDataException($"metrics header '{line}' has no 'step' column; expected '{Header}'.");
                    continue;
                }
            }
            if (stepCol >= cells.Length || !long.TryParse(cells[stepCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step))
            {
                skipped++;
                continue;
            }
            int epoch = -1;
            if (epochCol >= 0 && epochCol < cells.Length && !string.IsNullOrEmpty(cells[epochCol]) &&
                !int.TryParse(cells[epochCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out epoch))
                epoch = -1;
            if (!wide)
            {
                if (nameCol >= cells.Length || valueCol >= cells.Length || string.IsNullOrEmpty(cells[nameCol]) ||
                    !TryParseValue(cells[valueCol], out double value))
                {
                    skipped++;
                    continue;
                }
                Add(series, cells[nameCol], new MetricPoint(step, epoch, value));
            }
            else
            {
                for (int c = 0; c < header!.Length && c < cells.Length; c++)
                {
                    if (c == stepCol || c == epochCol || string.IsNullOrEmpty(cells[c])) continue;
                    if (TryParseValue(cells[c], out double value)) Add(series, header[c], new MetricPoint(step, epoch, value));
                    else skipped++;
                }
            }
        }
        return new MetricsTable(series.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<MetricPoint>)kv.Value), skipped);
    }

    private static void Add(Dictionary<string, List<MetricPoint>> series, string name, MetricPoint p)
    {
        if (!series.TryGetValue(name, out var list)) series[name] = list = [];
        list.Add(p);
    }

    private static bool TryParseValue(string text, out double value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        switch (text.ToLowerInvariant())
        {
            case "nan": value = double.NaN; return true;
            case "inf" or "+inf" or "infinity": value = double.PositiveInfinity; return true;
            case "-inf" or "-infinity": value = double.NegativeInfinity; return true;
            default: return false;
        }
    }
}
