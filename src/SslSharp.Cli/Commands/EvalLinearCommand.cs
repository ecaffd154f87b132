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
        var result = EvalConsole.WithProgress(settings.RawPixels ? "raw-pixel linear probe" : "features + linear probe", p =>
            CheckpointEvaluator.LinearProbe(settings.Checkpoint, settings.ToOptions(), settings.ToData(), settings.Device, p, settings.RawPixels));
        var report = EvalReport.FromLinearProbe(result, settings.ReportName(settings.RawPixels ? "linear_pixels" : "linear"));
        if (settings.RawPixels) report.With("features", EvalReport.RawPixelFeatures);
        return EvalConsole.Finish(report, settings);
    }
}
