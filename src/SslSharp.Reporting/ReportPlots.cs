using System.Globalization;
using ScottPlot;
using SslSharp.Training.Logging;

namespace SslSharp.Reporting;

/// <summary>The PNG plots of a run report that <see cref="TrainingPlots"/> does not draw, with ScottPlot 5.</summary>
public static class ReportPlots
{
    /// <summary>Default plot width in pixels.</summary>
    public const int Width = 1000;

    /// <summary>Default plot height in pixels.</summary>
    public const int Height = 560;

    /// <summary>
    /// Plots logged series over epochs completed (<c>step / steps-per-epoch</c>, or <c>epoch + 1</c>
    /// when the steps per epoch are unknown): <paramref name="left"/> on the left axis and
    /// <paramref name="right"/> on a second axis. Missing or non-finite series are left out.
    /// </summary>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="left">Series names for the left axis.</param>
    /// <param name="right">Series names for the right axis (may be empty).</param>
    /// <param name="title">Plot title.</param>
    /// <param name="leftLabel">Left axis label.</param>
    /// <param name="rightLabel">Right axis label.</param>
    /// <param name="pngPath">Where to write the PNG.</param>
    /// <param name="scale">Factor applied to the values (100 turns fractions into %).</param>
    /// <returns>False (and nothing written) when none of the series has a finite value.</returns>
    public static bool OverEpochs(MetricsTable metrics, IReadOnlyList<string> left, IReadOnlyList<string> right, string title,
        string leftLabel, string rightLabel, string pngPath, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var drawn = left.Select(n => (Name: n, Right: false)).Concat(right.Select(n => (Name: n, Right: true)))
            .Select(t => (t.Name, t.Right, Points: metrics.Series(t.Name).Where(p => double.IsFinite(p.Value)).ToList()))
            .Where(t => t.Points.Count > 0).ToList();
        if (drawn.Count == 0) return false;

        long? stepsPerEpoch = metrics.StepsPerEpoch();
        double X(MetricPoint p) => stepsPerEpoch is > 0 ? (double)p.Step / stepsPerEpoch.Value : p.Epoch + 1;
        var palette = new ScottPlot.Palettes.Category10();
        using var plot = new Plot();
        plot.Title(title);
        plot.XLabel(stepsPerEpoch is > 0 ? "epochs completed" : "epoch");
        plot.YLabel(leftLabel);
        for (int i = 0; i < drawn.Count; i++)
        {
            var (name, onRight, points) = drawn[i];
            var line = plot.Add.Scatter(points.Select(X).ToArray(), points.Select(p => scale * p.Value).ToArray());
            line.LegendText = onRight ? name + " (right axis)" : name;
            line.Color = palette.GetColor(i);
            line.LineWidth = 2;
            line.MarkerSize = points.Count > 60 ? 0 : 6;
            if (onRight)
            {
                line.Axes.YAxis = plot.Axes.Right;
                line.LinePattern = LinePattern.Dashed;
                plot.Axes.Right.Label.Text = rightLabel;
            }
        }
        plot.ShowLegend(Alignment.LowerRight);
        Save(plot, pngPath, Width, Height);
        return true;
    }

    /// <summary>
    /// The singular-value spectra on a log scale (Jing et al., 2022, dimensional collapse): for each
    /// named spectrum, <c>log10(sigma_i / sigma_1)</c> against the index <c>i</c> (1-based, sorted
    /// descending). Values that are not finite and positive are not drawn.
    /// </summary>
    /// <param name="spectra">(label, singular values) pairs.</param>
    /// <param name="pngPath">Where to write the PNG.</param>
    /// <returns>False (and nothing written) when no spectrum has a positive value.</returns>
    public static bool Spectrum(IReadOnlyList<(string Label, double[] Values)> spectra, string pngPath)
    {
        ArgumentNullException.ThrowIfNull(spectra);
        var usable = spectra.Where(s => s.Values.Any(v => double.IsFinite(v) && v > 0)).ToList();
        if (usable.Count == 0) return false;
        var palette = new ScottPlot.Palettes.Category10();
        using var plot = new Plot();
        plot.Title("Singular values of the uncentred representations (log scale)");
        plot.XLabel("singular value index i");
        plot.YLabel("log10(σ_i / σ_1)");
        for (int k = 0; k < usable.Count; k++)
        {
            var sorted = usable[k].Values.Where(v => double.IsFinite(v) && v > 0).OrderDescending().ToArray();
            double top = sorted[0];
            var line = plot.Add.Scatter(Enumerable.Range(1, sorted.Length).Select(i => (double)i).ToArray(),
                sorted.Select(v => Math.Log10(v / top)).ToArray());
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{usable[k].Label} ({sorted.Length} values)");
            line.Color = palette.GetColor(k);
            line.LineWidth = 2;
            line.MarkerSize = sorted.Length > 64 ? 0 : 4;
        }
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, pngPath, Width, Height);
        return true;
    }

    /// <summary>A 2-D scatter of points coloured by class, with a legend of class names.</summary>
    /// <param name="x">First coordinate per point.</param>
    /// <param name="y">Second coordinate per point.</param>
    /// <param name="labels">Class index per point (negative: unlabelled, drawn grey).</param>
    /// <param name="classNames">Name per class index.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="xLabel">x-axis label.</param>
    /// <param name="yLabel">y-axis label.</param>
    /// <param name="pngPath">Where to write the PNG.</param>
    public static void ClassScatter(double[] x, double[] y, long[] labels, IReadOnlyList<string> classNames, string title,
        string xLabel, string yLabel, string pngPath)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (x.Length != y.Length || x.Length != labels.Length)
            throw new ArgumentException($"x, y and labels must have one entry per point ({x.Length}, {y.Length}, {labels.Length}).", nameof(labels));
        var palette = new ScottPlot.Palettes.Category10();
        using var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        foreach (var cls in labels.Distinct().Order())
        {
            var idx = Enumerable.Range(0, labels.Length).Where(i => labels[i] == cls).ToArray();
            var points = plot.Add.ScatterPoints(idx.Select(i => x[i]).ToArray(), idx.Select(i => y[i]).ToArray());
            points.LegendText = cls >= 0 && cls < classNames.Count ? classNames[(int)cls] : cls < 0 ? "unlabelled" : $"class {cls}";
            points.Color = cls < 0 ? Colors.Gray.WithAlpha(0.6) : palette.GetColor((int)cls).WithAlpha(0.7);
            points.MarkerSize = 5;
        }
        plot.ShowLegend(Edge.Right);   // outside the data area: the legend hides no points
        Save(plot, pngPath, Width, 700);
    }

    private static void Save(Plot plot, string pngPath, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        var folder = Path.GetDirectoryName(Path.GetFullPath(pngPath));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        plot.SavePng(pngPath, width, height);
    }
}
