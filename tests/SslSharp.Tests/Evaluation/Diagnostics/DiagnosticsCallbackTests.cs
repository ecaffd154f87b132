using SslSharp.Backbones;
using SslSharp.Evaluation.Diagnostics;
using SslSharp.Evaluation.Spectral;
using SslSharp.Methods;
using SslSharp.Tests.Training;
using SslSharp.Training;
using SslSharp.Training.Logging;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Diagnostics;

/// <summary>The diagnostics callback in real (tiny) training runs: a run forced to collapse and a healthy SimCLR run.</summary>
[Collection("TrainerSerial")]
public class DiagnosticsCallbackTests
{
    private static readonly string[] EmbeddingNames =
        ["rankme_backbone", "rankme_embedding", "alpha_req", "alpha_req_r2", "numerical_rank", "sv_entropy", "embedding_std", "alignment", "uniformity"];

    private static TrainerOptions Options(string dir, int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 16,
        BaseLr = 0.1,
        WarmupEpochs = 0,
        ShowProgress = false,
        RunDirectory = dir,
        Seed = 3,
    };

    private static (DiagnosticsCallback Callback, List<string> Printed) Callback(int every, bool atStart)
    {
        var printed = new List<string>();
        var callback = new DiagnosticsCallback(DiagnosticsTestData.Images(300, size: 8), DiagnosticsTestData.Eval(), DiagnosticsTestData.Views(8),
            samples: 200, seed: 4)
        {
            EveryEpochs = every,
            EvaluateAtStart = atStart,
            BatchSize = 100,
            Warn = printed.Add,
        };
        return (callback, printed);
    }

    [Fact]
    public void A_run_forced_to_collapse_makes_the_diagnostics_fall_and_the_warning_fire()
    {
        using var temp = new TempDir();
        using var data = new StandInBatchSource(images: 64, batchSize: 16, size: 8);
        using var method = new CollapsingMethod(seed: 1);
        var (callback, printed) = Callback(every: 1, atStart: true);
        using (callback)
        using (var trainer = new Trainer(method, data, Options(temp.Path, epochs: 4), new ITrainerCallback[] { callback }))
            trainer.Fit();

        Assert.Equal(1.0, method.Collapse);
        Assert.Equal(new[] { -1, 0, 1, 2, 3 }, callback.History.Select(h => h.Epoch));
        var first = callback.History[0].Result;
        var last = callback.History[^1].Result;
        Assert.False(first.CollapseSuspected, "the untrained method must not be flagged: " + string.Join("; ", first.CollapseSignals));
        Assert.True(last.CollapseSuspected);
        Assert.True(last.Embedding!.RankMe < 1.01 && first.Embedding!.RankMe > 2, $"RankMe {first.Embedding!.RankMe} -> {last.Embedding.RankMe}");
        Assert.True(last.Embedding.NormalizedStd < 1e-4 && first.Embedding.NormalizedStd > 0.02, $"std {first.Embedding.NormalizedStd} -> {last.Embedding.NormalizedStd}");
        Assert.True(last.Embedding.Alignment < 1e-8, $"alignment {last.Embedding.Alignment}");
        Assert.True(last.Embedding.Uniformity > -1e-6, $"uniformity {last.Embedding.Uniformity}");
        Assert.Equal(1, last.Embedding.NumericalRank);

        Assert.NotEmpty(printed);
        Assert.Equal(callback.Warnings.Count, printed.Count);
        Assert.StartsWith("possible collapse", printed[^1]);
        Assert.Contains("embedding std", printed[^1]);
        Assert.Contains("RankMe of the embeddings", printed[^1]);
        Assert.Contains("after epoch 4", callback.Warnings[^1]);

        // Logged for metrics.csv's companion logged.csv, spectra and TensorBoard in the run folder.
        var table = MetricsCsv.ReadRun(temp.Path);
        foreach (var name in EmbeddingNames.Append("collapse_warning"))
            Assert.True(table.Has(name), $"{name} missing from logged.csv");
        Assert.Equal(5, table.Series("rankme_embedding").Count);
        Assert.Equal(1.0, table.Last("collapse_warning"));
        Assert.Equal(0.0, table.Series("collapse_warning")[0].Value);
        Assert.Equal(last.Embedding.RankMe, table.Last("rankme_embedding")!.Value, 12);
        Assert.Equal(last.Backbone.SingularValues, SpectrumCsv.Read(temp.File(SpectrumCsv.BackboneFile)));
        Assert.Equal(last.Embedding.SingularValues, SpectrumCsv.Read(temp.File(SpectrumCsv.EmbeddingFile)));
        var events = Directory.GetFiles(temp.File(DiagnosticsCallback.TensorBoardFolder), "events.out.tfevents.*");
        Assert.Single(events);
        Assert.True(new FileInfo(events[0]).Length > 5 * EmbeddingNames.Length * 20, "TensorBoard events file holds too little");
    }

    [Fact]
    public void A_healthy_simclr_run_does_not_warn()
    {
        using var temp = new TempDir();
        using var data = new StandInBatchSource(images: 64, batchSize: 16, size: 8);
        using var method = new SimCLR(new ConvNet(1, new[] { 8, 16 }, seed: 2), new SimCLROptions { HiddenDim = 16, OutputDim = 16, Seed = 2 });
        var (callback, printed) = Callback(every: 0, atStart: false);
        using (callback)
        using (var trainer = new Trainer(method, data, Options(temp.Path, epochs: 3), new ITrainerCallback[] { callback }))
            trainer.Fit();

        var only = Assert.Single(callback.History);
        Assert.Equal(2, only.Epoch);  // EveryEpochs 0: once, at the end
        var r = only.Result;
        Assert.Empty(printed);
        Assert.False(r.CollapseSuspected, string.Join("; ", r.CollapseSignals));
        Assert.InRange(r.Embedding!.RankMe, 2, 16);
        Assert.InRange(r.Embedding.NormalizedStd, 0.02 / 4, 1);
        Assert.InRange(r.Embedding.Alignment!.Value, 0, 4);
        Assert.InRange(r.Embedding.Uniformity, -4, 0);
        Assert.Equal(0.0, MetricsCsv.ReadRun(temp.Path).Last("collapse_warning"));
    }

    [Fact]
    public void Thresholds_follow_the_documented_formulas()
    {
        var t = CollapseThresholds.Default;
        var wide = new SpectralReport(2000, 2048, [], 60, 0, 0, [], null, 0.1, 0, null);
        Assert.Equal(50.0, t.RankMeLimit(wide), 12);                    // 2.5 % of min(N, D) = 50
        Assert.Equal(0.02 / Math.Sqrt(2048), t.StdLimit(wide), 12);
        var narrow = wide with { Dim = 16 };
        Assert.Equal(1.5, t.RankMeLimit(narrow), 12);                   // the floor
        Assert.Empty(t.Check(wide, wide));
        var signals = t.Check(wide, wide with { RankMe = 49.9, NormalizedStd = 0.0004 });
        Assert.Equal(2, signals.Count);
        Assert.Single(t.Check(wide with { RankMe = 1.4 }, null));      // backbone RankMe only
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new DiagnosticsCallback(zeros(1, 1, 4, 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiagnosticsCallback(zeros(8, 1, 4, 4), samples: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiagnosticsCallback(zeros(8, 1, 4, 4)) { EveryEpochs = -1 });
        using var small = new DiagnosticsCallback(zeros(new long[] { 8, 1, 4, 4 }, ScalarType.Byte), samples: 2000);
        Assert.Equal(8, small.Samples);
    }
}
