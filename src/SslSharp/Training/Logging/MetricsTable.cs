namespace SslSharp.Training.Logging;

/// <summary>The contents of a <c>metrics.csv</c>: one series of <see cref="MetricPoint"/> per metric name.</summary>
public sealed class MetricsTable
{
    private readonly Dictionary<string, List<MetricPoint>> _series;

    /// <summary>Creates a table from series keyed by metric name (points are sorted by step).</summary>
    public MetricsTable(IReadOnlyDictionary<string, IReadOnlyList<MetricPoint>> series, int skippedRows = 0)
    {
        ArgumentNullException.ThrowIfNull(series);
        _series = series.ToDictionary(kv => kv.Key, kv => kv.Value.OrderBy(p => p.Step).ToList(), StringComparer.Ordinal);
        SkippedRows = skippedRows;
    }

    /// <summary>Metric names present, sorted.</summary>
    public IReadOnlyList<string> Names => _series.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Rows that could not be parsed and were skipped.</summary>
    public int SkippedRows { get; }

    /// <summary>Whether <paramref name="name"/> has at least one value.</summary>
    public bool Has(string name) => _series.TryGetValue(name, out var s) && s.Count > 0;

    /// <summary>The values of <paramref name="name"/> sorted by step; empty when the metric was never logged.</summary>
    public IReadOnlyList<MetricPoint> Series(string name) =>
        _series.TryGetValue(name, out var s) ? s : (IReadOnlyList<MetricPoint>)[];

    /// <summary>The last finite value of <paramref name="name"/>, or null when there is none.</summary>
    public double? Last(string name)
    {
        var s = Series(name);
        for (int i = s.Count - 1; i >= 0; i--)
            if (double.IsFinite(s[i].Value)) return s[i].Value;
        return null;
    }

    /// <summary>Mean of the last <paramref name="count"/> finite values of <paramref name="name"/> (a less noisy "final loss"), or null.</summary>
    public double? MeanOfLast(string name, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        var finite = Series(name).Where(p => double.IsFinite(p.Value)).TakeLast(count).ToList();
        return finite.Count == 0 ? null : finite.Average(p => p.Value);
    }

    /// <summary>
    /// Steps per epoch as seen in the file: the number of distinct steps that logged
    /// <paramref name="perStepName"/> in the first logged epoch, or null when it cannot be told.
    /// </summary>
    public long? StepsPerEpoch(string perStepName = "loss")
    {
        var s = Series(perStepName).Where(p => p.Epoch >= 0).ToList();
        if (s.Count == 0) return null;
        int first = s.Min(p => p.Epoch);
        if (!s.Any(p => p.Epoch > first)) return null; // first epoch may be incomplete
        return s.Where(p => p.Epoch == first).Select(p => p.Step).Distinct().LongCount();
    }
}
