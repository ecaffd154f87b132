using System.Globalization;
using SslSharp.Evaluation;
using SslSharp.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp eval knn</c>: weighted kNN accuracy of a checkpoint's encoder.</summary>
public sealed class EvalKnnCommand : Command<EvalKnnSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, EvalKnnSettings settings, CancellationToken cancellationToken)
    {
        var options = KnnOptions.Default with
        {
            Ks = settings.K is { Length: > 0 } ? settings.K : KnnOptions.Default.Ks,
            Temperature = settings.Temperature,
        };
        KnnResult result = null!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("extracting features");
                result = CheckpointEvaluator.Knn(settings.Checkpoint, settings.Dataset, settings.DataDir, options, settings.Device,
                    (done, total) => { task.MaxValue = total; task.Value = done; });
                task.Value = task.MaxValue;
            });
        var table = new Table().Title($"kNN ({result.Weighting}, {result.Metric}, T {result.Temperature.ToString(CultureInfo.InvariantCulture)}): " +
                                      $"{result.QueryCount} queries, bank of {result.BankCount}")
            .AddColumn("k").AddColumn("top-1").AddColumn("top-5");
        foreach (var s in result.Scores)
            table.AddRow(s.K.ToString(CultureInfo.InvariantCulture), $"{100 * s.Top1:F2}%", $"{100 * s.Top5:F2}%");
        AnsiConsole.Write(table);
        return 0;
    }
}
