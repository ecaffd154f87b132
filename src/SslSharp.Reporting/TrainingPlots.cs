using System.Globalization;
using System.Text.RegularExpressions;
using ScottPlot;
using SslSharp.Training.Logging;

namespace SslSharp.Reporting;

/// <summary>PNG plots of a run, drawn from its <c>metrics.csv</c> with ScottPlot 5.</summary>
/// <remarks>
/// Reads the long format <c>step,epoch,name,value</c> (see <see cref="MetricsCsv"/>); unknown
/// names are ignored and missing ones leave their line out. Non-finite values are not drawn.
/// </remarks>
public static partial class TrainingPlots
{
    /// <summary>File name of the loss / learning-rate plot in a run folder.</summary>
    public const string LossPlotFile = "loss_lr.png";

    /// <summary>File name of the kNN-accuracy plot in a run folder.</summary>
    public const string KnnPlotFile = "knn.png";

    /// <summary>
    /// Plots the training loss (raw, faint, and an exponentially smoothed line) and, when logged,
    /// the learning rate on a second y-axis, over optimizer steps.
    /// </summary>
    /// <param name="metricsCsvPath">The run's <c>metrics.csv</c>.</param>
    /// <param name="pngPath">Where to write the PNG (folders are created).</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <returns>False (and no file written) when the file holds neither <c>loss</c> nor <c>lr</c>.</returns>
    public static bool LossAndLr(string metricsCsvPath, string pngPath, int width = 1000, int height = 600) =>
        LossAndLr(MetricsCsv.Read(metricsCsvPath), pngPath, width, height);

    /// <summary>Plots loss and learning rate from an already-read <paramref name="metrics"/> table.</summary>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="pngPath">Where to write the PNG (folders are created).</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <returns>False (and no file written) when the table holds neither <c>loss</c> nor <c>lr</c>.</returns>
    public static bool LossAndLr(MetricsTable metrics, string pngPath, int width = 1000, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        CheckSize(width, height);
        var loss = Finite(metrics.Series("loss"));
        var lr = Finite(metrics.Series("lr"));
        if (loss.Count == 0 && lr.Count == 0) return false;

        using var plot = new Plot();
        plot.Title("Training loss and learning rate");
        plot.XLabel("optimizer step");
        if (loss.Count > 0)
        {
            double[] xs = loss.Select(p => (double)p.Step).ToArray();
            double[] ys = loss.Select(p => p.Value).ToArray();
            var raw = plot.Add.ScatterLine(xs, ys);
            raw.LegendText = "loss";
            raw.Color = Colors.SteelBlue.WithAlpha(0.5);
            raw.LineWidth = 1;
            if (loss.Count >= 10)
            {
                double weight = SmoothingWeight(loss.Count);
                var smooth = plot.Add.ScatterLine(xs, Smooth(ys, weight));
                smooth.LegendText = string.Create(CultureInfo.InvariantCulture, $"loss (EMA {weight:0.###})");
                smooth.Color = Colors.Navy;
                smooth.LineWidth = 2;
            }
            plot.YLabel("loss");
        }
        if (lr.Count > 0)
        {
            var line = plot.Add.ScatterLine(lr.Select(p => (double)p.Step).ToArray(), lr.Select(p => p.Value).ToArray());
            line.LegendText = "learning rate";
            line.Color = Colors.DarkOrange;
            line.LineWidth = 2;
            if (loss.Count > 0)
            {
                line.Axes.YAxis = plot.Axes.Right;
                plot.Axes.Right.Label.Text = "learning rate";
            }
            else plot.YLabel("learning rate");
        }
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, pngPath, width, height);
        return true;
    }

    /// <summary>
    /// Plots kNN top-1 accuracy (%) over epochs, one line per <c>k</c> (<c>knn_top1_k{k}</c>
    /// series), with top-5 dashed when logged.
    /// </summary>
    /// <param name="metricsCsvPath">The run's <c>metrics.csv</c>.</param>
    /// <param name="pngPath">Where to write the PNG.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <returns>False (and no file written) when no kNN accuracy was logged.</returns>
    public static bool KnnAccuracy(string metricsCsvPath, string pngPath, int width = 1000, int height = 600) =>
        KnnAccuracy(MetricsCsv.Read(metricsCsvPath), pngPath, width, height);

    /// <summary>Plots kNN accuracy over epochs from an already-read <paramref name="metrics"/> table.</summary>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="pngPath">Where to write the PNG.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <returns>False (and no file written) when no kNN accuracy was logged.</returns>
    /// <remarks>
    /// The x-axis is epochs completed, <c>step / steps-per-epoch</c>, with steps per epoch read from
    /// the <c>loss</c> rows of the first epoch; when that is unknown, <c>epoch + 1</c>.
    /// </remarks>
    public static bool KnnAccuracy(MetricsTable metrics, string pngPath, int width = 1000, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        CheckSize(width, height);
        var series = metrics.Names
            .Select(n => (Name: n, Match: KnnName().Match(n)))
            .Where(t => t.Match.Success)
            .Select(t => (t.Name, Top: int.Parse(t.Match.Groups[1].Value, CultureInfo.InvariantCulture), K: int.Parse(t.Match.Groups[2].Value, CultureInfo.InvariantCulture)))
            .Where(t => Finite(metrics.Series(t.Name)).Count > 0)
            .OrderBy(t => t.K).ThenBy(t => t.Top)
            .ToList();
        if (series.Count == 0) return false;

        long? stepsPerEpoch = metrics.StepsPerEpoch();
        double X(MetricPoint p) => stepsPerEpoch is > 0 ? (double)p.Step / stepsPerEpoch.Value : p.Epoch + 1;
        var palette = new ScottPlot.Palettes.Category10();
        var ks = series.Select(s => s.K).Distinct().ToList();

        using var plot = new Plot();
        plot.Title("kNN accuracy on held-out images");
        plot.XLabel(stepsPerEpoch is > 0 ? "epochs completed" : "epoch");
        plot.YLabel("accuracy (%)");
        foreach (var (name, top, k) in series)
        {
            var points = Finite(metrics.Series(name));
            var line = plot.Add.Scatter(points.Select(X).ToArray(), points.Select(p => 100 * p.Value).ToArray());
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"top-{top}, k = {k}");
            line.Color = palette.GetColor(ks.IndexOf(k));
            line.LineWidth = 2;
            line.MarkerSize = 6;
            if (top != 1)
            {
                line.LinePattern = LinePattern.Dashed;
                line.MarkerShape = MarkerShape.OpenCircle;
            }
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.LowerRight);
        Save(plot, pngPath, width, height);
        return true;
    }

    /// <summary>
    /// Writes every plot the run's metrics allow into <paramref name="runDirectory"/>
    /// (<see cref="LossPlotFile"/>, <see cref="KnnPlotFile"/>) and returns the paths written.
    /// </summary>
    /// <param name="runDirectory">Folder holding <c>metrics.csv</c>.</param>
    public static IReadOnlyList<string> WriteAll(string runDirectory)
    {
        var metrics = MetricsCsv.ReadRun(runDirectory);
        var written = new List<string>();
        var lossPath = Path.Combine(runDirectory, LossPlotFile);
        if (LossAndLr(metrics, lossPath)) written.Add(lossPath);
        var knnPath = Path.Combine(runDirectory, KnnPlotFile);
        if (KnnAccuracy(metrics, knnPath)) written.Add(knnPath);
        return written;
    }

    /// <summary>
    /// Debiased exponential moving average (TensorBoard's smoothing):
    /// <c>s_t = w s_(t-1) + (1 - w) y_t</c>, divided by <c>1 - w^t</c>.
    /// </summary>
    internal static double[] Smooth(IReadOnlyList<double> ys, double weight)
    {
        var result = new double[ys.Count];
        double s = 0, correction = 1;
        for (int i = 0; i < ys.Count; i++)
        {
            s = weight * s + (1 - weight) * ys[i];
            correction *= weight;
            result[i] = weight == 0 ? ys[i] : s / (1 - correction);
        }
        return result;
    }

    /// <summary>Smoothing weight for <paramref name="count"/> points: about count / 20 points of memory, within [0.6, 0.99].</summary>
    internal static double SmoothingWeight(int count) => Math.Clamp(1 - 20.0 / count, 0.6, 0.99);

    private static List<MetricPoint> Finite(IReadOnlyList<MetricPoint> series) =>
        series.Where(p => double.IsFinite(p.Value)).ToList();

    private static void CheckSize(int width, int height)
    {
        if (width < 100 || height < 100)
            throw new ArgumentOutOfRangeException(nameof(width), $"Plot size {width}x{height} is too small; use at least 100x100 pixels.");
    }

    private static void Save(Plot plot, string pngPath, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        var folder = Path.GetDirectoryName(Path.GetFullPath(pngPath));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        plot.SavePng(pngPath, width, height);
    }

    [GeneratedRegex(@"^knn_top(\d+)_k(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex KnnName();
}
