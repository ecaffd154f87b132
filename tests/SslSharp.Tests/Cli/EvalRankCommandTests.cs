using System.Globalization;
using System.Text.Json;
using SslSharp.Cli.Commands;
using SslSharp.Evaluation.Spectral;
using SslSharp.Runs;
using SslSharp.Tests.Training;
using SslSharp.Training.Logging;

namespace SslSharp.Tests.Cli;

/// <summary>The run's diagnostics in a pretraining run, and <c>sslsharp eval rank</c> on its checkpoint.</summary>
[Collection("TrainerSerial")]
public class EvalRankCommandTests
{
    private static RunConfig Tiny() => PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
    {
        Epochs = 1,
        WarmupEpochs = 0,
        BatchSize = 32,
        Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
        DiagnosticsEvery = 0,
    };

    [Fact]
    [Trait("Category", "Slow")] // a pretraining run plus two passes over 2,000 images and a rotation score over 8,000
    public void A_run_logs_its_diagnostics_and_eval_rank_on_its_checkpoint_gives_the_same_numbers()
    {
        using var temp = new TempDir();
        var result = PretrainRunner.Run(Tiny(), temp.Path, showProgress: false, maxSteps: 3);
        Assert.Contains(temp.File(SpectrumCsv.BackboneFile), result.Files);
        Assert.Contains(temp.File(SpectrumCsv.EmbeddingFile), result.Files);
        Assert.True(Directory.Exists(temp.File("tensorboard")));
        var logged = MetricsCsv.ReadRun(temp.Path);

        var outDir = temp.File("eval");
        var outcome = EvalRankCommand.Run(new EvalRankSettings { Checkpoint = temp.File("last.ckpt"), Out = outDir });

        // Same subset (2,000 images, the run's seed), same weights: the numbers the run logged at its end.
        foreach (var (name, value) in outcome.Result.Metrics())
            Assert.True(Math.Abs(logged.Last(name)!.Value - value) <= 1e-9 * Math.Max(1, Math.Abs(value)), $"{name}: run {logged.Last(name)} vs eval {value}");
        Assert.Equal(2000, outcome.Samples);
        Assert.NotNull(outcome.Rotation);
        Assert.InRange(outcome.Rotation!.Accuracy, 0.25, 1.0);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "rank.json")));
        var metrics = json.RootElement.GetProperty("result");
        foreach (var name in new[] { "rankme_backbone", "rankme_embedding", "alpha_req", "alpha_req_r2", "numerical_rank", "sv_entropy",
                     "embedding_std", "alignment", "uniformity", "rotation_accuracy" })
            Assert.True(metrics.TryGetProperty(name, out _), $"{name} missing from rank.json");
        Assert.Equal(outcome.Result.Embedding!.RankMe, metrics.GetProperty("rankme_embedding").GetDouble(), 12);
        Assert.Equal("simclr", json.RootElement.GetProperty("metadata").GetProperty("method").GetString());

        var md = File.ReadAllLines(Path.Combine(outDir, "rank.md")).Where(l => l.StartsWith('|')).ToArray();
        Assert.Equal(3, md.Length);
        Assert.Contains("| rankme_backbone |", md[0]);
        Assert.Equal(md[0].Count(ch => ch == '|'), md[2].Count(ch => ch == '|'));
        Assert.Contains(outcome.Result.Backbone.RankMe.ToString("G4", CultureInfo.InvariantCulture), md[2]);
        Assert.Contains("- method: simclr", File.ReadAllText(Path.Combine(outDir, "rank.md")));
    }

    [Fact]
    public void Settings_are_validated()
    {
        Assert.False(new EvalRankSettings().Validate().Successful);
        Assert.False(new EvalRankSettings { Checkpoint = "x.ckpt", Samples = 2 }.Validate().Successful);
        Assert.True(new EvalRankSettings { Checkpoint = "x.ckpt" }.Validate().Successful);
        Assert.False(new PretrainSettings { DiagnosticsEvery = -1 }.Validate().Successful);
        Assert.Equal(7, PretrainCommand.Resolve(new PretrainSettings { DiagnosticsEvery = 7 }).DiagnosticsEvery);
        Assert.Equal(5, PretrainCommand.Resolve(new PretrainSettings()).DiagnosticsEvery);
    }
}
