using SslSharp.Evaluation;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Runs;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp eval knn</c>: kNN accuracy (weighted and/or majority vote, several k at once) of a checkpoint's encoder.</summary>
public sealed class EvalKnnCommand : Command<EvalKnnSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, EvalKnnSettings settings, CancellationToken cancellationToken)
    {
        var weighted = KnnOptions.Default with
        {
            Ks = settings.K is { Length: > 0 } ? settings.K : KnnOptions.Default.Ks,
            Temperature = settings.Temperature,
        };
        var options = settings.Vote switch
        {
            "weighted" => new[] { weighted },
            "majority" => new[] { weighted with { Weighting = KnnWeighting.Uniform } },
            _ => new[] { weighted, weighted with { Weighting = KnnWeighting.Uniform } },
        };
        settings.FetchData(cancellationToken);
        var results = EvalConsole.WithProgress(settings.RawPixels ? "raw-pixel kNN" : "extracting features", p =>
            CheckpointEvaluator.Knn(settings.Checkpoint, options, settings.ToData(), settings.Device, p, settings.RawPixels));
        var report = EvalReport.FromKnn(results, settings.ReportName(settings.RawPixels ? "knn_pixels" : "knn"));
        if (settings.RawPixels) report.With("features", EvalReport.RawPixelFeatures);
        return EvalConsole.Finish(report, settings);
    }
}
