using SslSharp.Evaluation;
using SslSharp.Runs;
using SslSharp.Cli.Output;
using Spectre.Console;

namespace SslSharp.Cli.Commands;

/// <summary>What every <c>sslsharp eval</c> command does around its evaluation: a progress bar, the result table, the files.</summary>
internal static class EvalConsole
{
    /// <summary>Runs <paramref name="work"/> under a Spectre progress bar fed by its (done, total) reports.</summary>
    public static T WithProgress<T>(string description, Func<Action<long, long>, T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(description);
                result = work((done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>
    /// Adds the checkpoint facts to <paramref name="report"/>, prints its table, writes
    /// <c>&lt;name&gt;.json</c> / <c>&lt;name&gt;.md</c> to <c>--out</c> (default: the run folder) and prints their paths.
    /// </summary>
    public static int Finish(EvalReport report, EvalSettings settings)
    {
        var config = CheckpointEvaluator.ReadConfig(settings.Checkpoint);
        report.With("checkpoint", Path.GetFullPath(settings.Checkpoint))
            .With("method", config.Method)
            .With("backbone", config.Backbone.Name)
            .With("dataset", settings.Dataset ?? config.Dataset)
            .With("evaluated_on", settings.EvaluatedOn);
        if (settings.Limit is int limit) report.With("limit", $"first {limit} images of each split");
        var table = new Table().Title(Markup.Escape(report.Title));
        foreach (var c in report.Columns) table.AddColumn(Markup.Escape(c));
        foreach (var row in report.Rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
        var (json, md) = report.Write(settings.Out ?? CheckpointEvaluator.RunFolder(settings.Checkpoint));
        AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(json)}[/] and [blue]{Markup.Escape(md)}[/]");
        if (settings.Json) CliOutput.WriteDocument(File.ReadAllText(json)); // the file's document, timestamp and all
        return 0;
    }
}
