using System.Globalization;
using SslSharp.Cli.Output;
using SslSharp.Evaluation.Decoder;
using SslSharp.Reporting;
using SslSharp.Runs.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>
/// <c>sslsharp eval decoder</c>: trains a small decoder on the checkpoint's frozen features to
/// redraw the images, and writes the reconstruction grid, <c>decoder.json</c> and <c>decoder.md</c>.
/// </summary>
public sealed class EvalDecoderCommand : Command<EvalDecoderSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, EvalDecoderSettings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        settings.FetchData(cancellationToken);
        DecoderResult result = null!;
        IReadOnlyList<string> files = [];
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                (result, files) = CheckpointDecoder.Run(settings.Checkpoint, settings.Out, options, settings.ToData(), settings.Device,
                    (phase, done, total) =>
                    {
                        if (!tasks.TryGetValue(phase, out var task))
                            tasks[phase] = task = ctx.AddTask(phase == DecoderEvaluation.FeaturesPhase ? "extracting features" : "training the decoder");
                        task.MaxValue = total;
                        task.Value = done;
                    }, settings.ReportName(string.Empty), settings.EvaluatedOn);   // suffix "" or "_val"
                foreach (var task in tasks.Values) task.Value = task.MaxValue;
            });
        var ci = CultureInfo.InvariantCulture;
        var table = new Table().Title($"decoder on frozen features: {result.TrainCount} training images, {result.TestCount} held-out")
            .AddColumn("").AddColumn(new TableColumn("MSE (normalised pixels)").RightAligned());
        table.AddRow("decoder, held-out", result.TestMse.ToString("F4", ci));
        table.AddRow("mean training image (baseline)", result.MeanImageMse.ToString("F4", ci));
        table.AddRow("error removed", (100 * result.ExplainedFraction).ToString("F1", ci) + " %");
        AnsiConsole.Write(table);
        foreach (var f in files) AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(f)}[/]");
        if (settings.Json) CliOutput.WriteDocument(File.ReadAllText(files.Single(f => f.EndsWith(".json", StringComparison.Ordinal))));
        return 0;
    }
}
