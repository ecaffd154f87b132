using System.Globalization;

namespace SslSharp.Training.Logging;

/// <summary>
/// Writes a run's metrics as two CSV files in the run folder.
/// </summary>
/// <remarks>
/// <para><c>metrics.csv</c> (wide, fixed header): <c>step,epoch,loss,lr,images_per_s</c>, one row per
/// optimizer step. <c>step</c> counts completed optimizer steps (1 for the first step), <c>epoch</c>
/// is 0-based, <c>lr</c> is the scheduled learning rate before per-group scales.</para>
/// <para><c>logged.csv</c> (long): <c>step,epoch,name,value</c>, one row per value a callback logged
/// through <see cref="TrainerState.Log"/> (kNN accuracy, probe loss, rank, ...), so values that
/// appear late or only every few epochs never change a header. <c>step</c> uses the same
/// convention (0 = before training). In pandas:
/// <c>pd.read_csv("logged.csv").pivot_table(index="step", columns="name", values="value")</c>.</para>
/// <para>Numbers use the invariant culture and round-trip format. Both files are flushed at every
/// epoch end, every <c>flushEverySteps</c> steps and on dispose. A resumed run appends.</para>
/// </remarks>
internal sealed class MetricsWriter : IDisposable
{
    public const string MetricsFile = MetricsCsv.MetricsFile;
    public const string LoggedFile = MetricsCsv.LoggedFile;
    private const string MetricsHeader = "step,epoch,loss,lr,images_per_s";
    private const string LoggedHeader = MetricsCsv.Header;

    private readonly StreamWriter _metrics;
    private readonly StreamWriter _logged;

    /// <param name="runDirectory">The run folder.</param>
    /// <param name="append">Continue existing files (a resumed run).</param>
    /// <param name="keepUpToStep">When appending: drop rows logged after this step (steps the stopped run
    /// did after its checkpoint, which the resumed run does again); <c>metrics.csv</c> keeps rows with
    /// <c>step &lt;= keepUpToStep</c>, <c>logged.csv</c> rows with <c>step &lt;= keepUpToStep</c> too.</param>
    public MetricsWriter(string runDirectory, bool append, long? keepUpToStep = null)
    {
        Directory.CreateDirectory(runDirectory);
        if (append && keepUpToStep is long keep)
        {
            DropRowsAfter(Path.Combine(runDirectory, MetricsFile), keep);
            DropRowsAfter(Path.Combine(runDirectory, LoggedFile), keep);
        }
        _metrics = Open(Path.Combine(runDirectory, MetricsFile), MetricsHeader, append);
        _logged = Open(Path.Combine(runDirectory, LoggedFile), LoggedHeader, append);
    }

    /// <summary>Rewrites a CSV whose first column is the step, keeping the header and rows with step &lt;= <paramref name="step"/>.</summary>
    private static void DropRowsAfter(string path, long step)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) return;
        var kept = lines.Take(1).Concat(lines.Skip(1).Where(line =>
        {
            int comma = line.IndexOf(',');
            return comma <= 0 || !long.TryParse(line.AsSpan(0, comma), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) || s <= step;
        })).ToArray();
        if (kept.Length == lines.Length) return;
        File.WriteAllLines(path + ".tmp", kept);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static StreamWriter Open(string path, string header, bool append)
    {
        bool writeHeader = !append || !File.Exists(path) || new FileInfo(path).Length == 0;
        var w = new StreamWriter(path, append && !writeHeader, new System.Text.UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        if (writeHeader) w.WriteLine(header);
        return w;
    }

    public void WriteStep(in StepMetrics m)
    {
        var c = CultureInfo.InvariantCulture;
        _metrics.Write((m.Step + 1).ToString(c));
        _metrics.Write(',');
        _metrics.Write(m.Epoch.ToString(c));
        _metrics.Write(',');
        _metrics.Write(m.Loss.ToString("R", c));
        _metrics.Write(',');
        _metrics.Write(m.LearningRate.ToString("R", c));
        _metrics.Write(',');
        _metrics.WriteLine(m.ImagesPerSecond.ToString("F1", c));
    }

    public void WriteLogged(long step, int epoch, string name, double value) =>
        _logged.WriteLine(MetricsCsv.FormatRow(step, epoch, name, value));

    public void Flush()
    {
        _metrics.Flush();
        _logged.Flush();
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _logged.Dispose();
    }
}
