using System.Globalization;
using SslSharp.Augment;
using SslSharp.Augment.Presets;
using SslSharp.Data;
using SslSharp.Evaluation;
using SslSharp.Evaluation.Diagnostics;
using SslSharp.Runs;
using SslSharp.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace SslSharp.Cli.Commands;

/// <summary>
/// <c>sslsharp eval rank</c>: the label-free diagnostics of a checkpoint (RankMe, alpha-ReQ, numerical
/// rank, singular-value entropy, embedding std, alignment, uniformity, rotation-prediction score) on
/// a seeded subset of the training images, printed and written as <c>rank.json</c> / <c>rank.md</c>.
/// </summary>
/// <remarks>
/// Same subset, views and computation as the run's <see cref="DiagnosticsCallback"/>: with the run's
/// seed (the default) and sample count the numbers equal the run's final logged diagnostics.
/// </remarks>
public sealed class EvalRankCommand : Command<EvalRankSettings>
{
    /// <summary>File stem of the outputs (<c>rank.json</c>, <c>rank.md</c>).</summary>
    public const string OutputName = "rank";

    /// <inheritdoc />
    public override int Execute(CommandContext context, EvalRankSettings settings, CancellationToken cancellationToken)
    {
        RankOutcome outcome = null!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                outcome = Run(settings, (stage, done, total) =>
                {
                    if (!tasks.TryGetValue(stage, out var task)) tasks[stage] = task = ctx.AddTask(stage);
                    task.MaxValue = total;
                    task.Value = done;
                });
                foreach (var t in tasks.Values) t.Value = t.MaxValue;
            });

        var r = outcome.Result;
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Title($"Label-free diagnostics: {outcome.Samples} training images of {Markup.Escape(outcome.Dataset)}")
            .AddColumn("metric").AddColumn("backbone features").AddColumn("embeddings");
        string F(double? v, string format = "F3") => v is double x && double.IsFinite(x) ? x.ToString(format, c) : "-";
        var e = r.Embedding;
        table.AddRow("width", r.Backbone.Dim.ToString(c), e?.Dim.ToString(c) ?? "-");
        table.AddRow("RankMe", F(r.Backbone.RankMe, "F2"), F(e?.RankMe, "F2"));
        table.AddRow("numerical rank", r.Backbone.NumericalRank.ToString(c), e?.NumericalRank.ToString(c) ?? "-");
        table.AddRow("singular-value entropy", F(r.Backbone.SingularValueEntropy), F(e?.SingularValueEntropy));
        table.AddRow("alpha-ReQ (R^2)", $"{F(r.Backbone.AlphaReq?.Alpha)} ({F(r.Backbone.AlphaReq?.RSquared)})",
            $"{F(e?.AlphaReq?.Alpha)} ({F(e?.AlphaReq?.RSquared)})");
        table.AddRow("std of normalised (1/sqrt(D))", $"{F(r.Backbone.NormalizedStd, "F4")} ({F(r.Backbone.HealthyStd, "F4")})",
            e is null ? "-" : $"{F(e.NormalizedStd, "F4")} ({F(e.HealthyStd, "F4")})");
        table.AddRow("alignment", "-", F(e?.Alignment));
        table.AddRow("uniformity", "-", F(e?.Uniformity));
        if (outcome.Rotation is { } rot)
            table.AddRow("rotation prediction (chance 25%)", $"{100 * rot.Accuracy:F2}%", "-");
        AnsiConsole.Write(table);
        if (r.CollapseSuspected)
            AnsiConsole.MarkupLine($"[yellow]warning:[/] [yellow]possible collapse: {Markup.Escape(string.Join("; ", r.CollapseSignals))}.[/]");
        AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(outcome.JsonFile)}[/]");
        AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(outcome.MarkdownFile)}[/]");
        return 0;
    }

    /// <summary>What <see cref="Run"/> computed and wrote.</summary>
    internal sealed record RankOutcome(DiagnosticsResult Result, RotationResult? Rotation, string Dataset, long Samples, string JsonFile, string MarkdownFile);

    /// <summary>Loads the checkpoint, computes the diagnostics and writes <c>rank.json</c> / <c>rank.md</c>.</summary>
    /// <param name="s">The options.</param>
    /// <param name="progress">Receives (stage, done, total) while features are extracted, or null.</param>
    internal static RankOutcome Run(EvalRankSettings s, Action<string, long, long>? progress = null)
    {
        var config = CheckpointEvaluator.ReadConfig(s.Checkpoint);
        var (dataset, dataDir) = new EvaluationData { Dataset = s.Dataset, DataDir = s.DataDir }.Source(config);
        var entry = RunData.Entry(dataset, CheckpointEvaluator.EvaluationConfig(config, s.Dataset, null));   // a folder at the trained size
        var (train, test) = entry.Load(dataDir, 0);
        using var trainData = train;
        using var testData = test;
        using var method = PretrainRunner.CreateMethod(config, train.Channels, train.Height);
        CheckpointEvaluator.LoadWeights(s.Checkpoint, method);
        var device = new torch.Device(s.Device);
        method.to(device);

        long seed = s.Seed ?? config.Seed;
        var views = (config.Augment ?? new AugmentRecipe()).Build(train.Height, train.Channels, entry.Mean, entry.Std); // the run's views
        using var diagnostics = new DiagnosticsCallback(train.Images, SimCLRAugment.Eval(entry.Mean, entry.Std), views, s.Samples, seed)
        {
            Device = device,
        };
        var result = diagnostics.Evaluate(method, progress is null ? null : (done, total) => progress("representations", done, total));
        var rotation = s.NoRotation
            ? null
            : RotationPrediction.Score(method.Encoder, diagnostics.Images, diagnostics.Preprocessing, seed: seed, device: device,
                progress: progress is null ? null : (done, total) => progress("rotation prediction", done, total));

        var metrics = result.Metrics().ToList();
        if (rotation is not null) metrics.Add(new("rotation_accuracy", rotation.Accuracy));
        var c = CultureInfo.InvariantCulture;
        var report = EvalReport.FromDiagnostics(metrics, OutputName)
            .With("checkpoint", s.Checkpoint)
            .With("method", config.Method)
            .With("backbone", config.Backbone.Name)
            .With("dataset", entry.Name)
            .With("step", ModelExport.IsExport(s.Checkpoint) ? "(an export: no step)" : Checkpoint.ReadInfo(s.Checkpoint).Step.ToString(c))
            .With("samples", diagnostics.Samples.ToString(c))
            .With("seed", seed.ToString(c));
        var outDir = s.Out ?? CheckpointEvaluator.RunFolder(s.Checkpoint);
        var (json, md) = report.Write(outDir);
        return new RankOutcome(result, rotation, entry.Name, diagnostics.Samples, json, md);
    }
}
