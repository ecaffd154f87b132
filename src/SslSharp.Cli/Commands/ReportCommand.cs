using SslSharp.Evaluation.Decoder;
using SslSharp.Reporting;
using SslSharp.Runs.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp report RUN_DIR</c>: writes <c>report.html</c> and <c>report.md</c> into a run folder.</summary>
public sealed class ReportCommand : Command<ReportSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, ReportSettings settings, CancellationToken cancellationToken)
    {
        ReportResult result = null!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                result = RunReport.Write(settings.RunDirectory, settings.ToOptions(), (phase, done, total) =>
                {
                    if (!tasks.TryGetValue(phase, out var task))
                        tasks[phase] = task = ctx.AddTask(phase switch
                        {
                            DecoderEvaluation.FeaturesPhase => "decoder: extracting features",
                            DecoderEvaluation.TrainingPhase => "decoder: training",
                            _ => "representations of held-out images",
                        });
                    task.MaxValue = total;
                    task.Value = done;
                });
                foreach (var task in tasks.Values) task.Value = task.MaxValue;
            });
        foreach (var note in result.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(result.HtmlPath)}[/] and [green]{Markup.Escape(result.MarkdownPath)}[/] ({result.Images.Count} images)");
        return 0;
    }
}
