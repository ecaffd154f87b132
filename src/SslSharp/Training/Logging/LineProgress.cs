using System.Diagnostics;
using System.Globalization;

namespace SslSharp.Training.Logging;

/// <summary>Progress for non-terminal output (logs, CI): one plain line every N steps and at the last step.</summary>
internal sealed class LineProgress(TextWriter output, int everySteps, long startStep) : IProgressReporter
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Step(long stepsDone, long endStep, int epoch, int epochs, double loss, double lr, double imagesPerSecond)
    {
        if (stepsDone % everySteps != 0 && stepsDone != endStep) return;
        double perStep = _clock.Elapsed.TotalSeconds / Math.Max(1, stepsDone - startStep);
        var eta = TimeSpan.FromSeconds(Math.Round(perStep * (endStep - stepsDone)));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch + 1}/{epochs}  step {stepsDone}/{endStep}  loss {loss:F4}  lr {lr:G4}  {imagesPerSecond:F0} img/s  eta {eta:c}"));
    }

    public void Message(string text) => output.WriteLine(text);
}
