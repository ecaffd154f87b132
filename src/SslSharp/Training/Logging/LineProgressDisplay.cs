namespace SslSharp.Training.Logging;

/// <summary>Progress for logs and redirected output: one plain line (<see cref="LineProgress"/>) every N steps and at the last step.</summary>
/// <param name="output">Where the lines go.</param>
/// <param name="everySteps">Steps between lines (&gt;= 1).</param>
public sealed class LineProgressDisplay(TextWriter output, int everySteps) : IProgressDisplay
{
    /// <inheritdoc />
    public void Run(long startStep, long endStep, Action<IProgressReporter> loop) =>
        loop(new LineProgress(output, Math.Max(1, everySteps), startStep));
}
