using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;
using SslSharp.Runs;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp eval linear</c>: offline linear probe (cached features, BN + linear, cosine SGD/LARS) of a checkpoint's encoder.</summary>
public sealed class EvalLinearCommand : Command<EvalLinearSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, EvalLinearSettings settings, CancellationToken cancellationToken)
    {
        settings.FetchData(cancellationToken);
        var result = EvalConsole.WithProgress("features + linear probe", p =>
            CheckpointEvaluator.LinearProbe(settings.Checkpoint, settings.ToOptions(), settings.ToData(), settings.Device, p));
        return EvalConsole.Finish(EvalReport.FromLinearProbe(result, settings.ReportName("linear")), settings);
    }
}
