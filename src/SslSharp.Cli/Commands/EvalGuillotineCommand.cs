using SslSharp.Core;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Evaluation.Probes;
using SslSharp.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp eval guillotine</c>: kNN and linear probe at the backbone output and after every projector layer.</summary>
public sealed class EvalGuillotineCommand : Command<EvalGuillotineSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, EvalGuillotineSettings settings, CancellationToken cancellationToken)
    {
        var knn = KnnOptions.Default with { Ks = [settings.K] };
        var probe = LinearProbeOptions.Default with { Epochs = settings.Epochs, Seed = settings.Seed };
        settings.FetchData(cancellationToken);
        var result = EvalConsole.WithProgress("features + probes at every cut", p =>
            CheckpointEvaluator.Guillotine(settings.Checkpoint, knn, probe, settings.ToData(), settings.Device, p));
        if (result.Layers.Count == 1)
            AnsiConsole.MarkupLine("[yellow]this method exposes no projector (IHasProjector): only the backbone output was scored.[/]");
        return EvalConsole.Finish(EvalReport.FromGuillotine(result, settings.ReportName("guillotine")), settings);
    }
}
