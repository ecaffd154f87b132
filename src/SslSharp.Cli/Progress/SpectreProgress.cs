using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using SslSharp.Training.Logging;

namespace SslSharp.Cli.Progress;

/// <summary>
/// A live Spectre.Console progress bar: epoch/step, loss, lr and images/s in the description,
/// then bar, percentage, elapsed and remaining time. The text refreshes at most 4 times a second.
/// </summary>
internal sealed class SpectreProgress : IProgressReporter
{
    /// <summary>The live bar as the trainer's <see cref="IProgressDisplay"/>.</summary>
    public static IProgressDisplay Display { get; } = new LiveDisplay();

    /// <summary>
    /// The display for the current console: the live bar on an interactive terminal, null (the trainer's plain
    /// lines) when the output is redirected.
    /// </summary>
    public static IProgressDisplay? ForConsole() =>
        AnsiConsole.Profile.Capabilities.Interactive && !System.Console.IsOutputRedirected ? Display : null;

    private sealed class LiveDisplay : IProgressDisplay
    {
        public void Run(long startStep, long endStep, Action<IProgressReporter> loop) =>
            SpectreProgress.Run(startStep, endStep, r => { loop(r); return 0; });
    }

    private readonly ProgressTask _task;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastUpdateMs = -1000;

    private SpectreProgress(ProgressTask task) => _task = task;

    /// <summary>Runs <paramref name="body"/> with a live bar on the console.</summary>
    public static T Run<T>(long startStep, long endStep, Func<IProgressReporter, T> body)
    {
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: endStep);
                task.Value = startStep;
                result = body(new SpectreProgress(task));
            });
        return result;
    }

    public void Step(long stepsDone, long endStep, int epoch, int epochs, double loss, double lr, double imagesPerSecond)
    {
        _task.Value = stepsDone;
        long now = _clock.ElapsedMilliseconds;
        if (now - _lastUpdateMs < 250 && stepsDone != endStep) return;
        _lastUpdateMs = now;
        _task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch + 1}/{epochs} step {stepsDone}/{endStep} loss {loss:F4} lr {lr:G3} {imagesPerSecond:F0} img/s"));
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
}
