using SslSharp.Evaluation.Decoder;
using SslSharp.Methods;
using SslSharp.Runs;
using SslSharp.Runs.Reports;
using SslSharp.Tests.Reporting;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Runs;

/// <summary>
/// <c>sslsharp pretrain --method NAME</c> end to end for every registered method, cut to two steps: preset,
/// data, views, training, the end-of-run kNN, label-free diagnostics and online probe, and the run folder.
/// </summary>
[Collection("TrainerSerial")]
public class EveryMethodRunTests
{
    public static TheoryData<string> Names => new(MethodRegistry.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void A_two_step_run_of_every_method_finishes_with_knn_and_diagnostics(string method)
    {
        using var temp = new TempDir();
        var defaults = PretrainDefaults.For(method, "fashion-mnist-embedded");
        // A method whose preset names its backbone (MAE: vit-cpu) keeps it; the others get a narrow ConvNet.
        bool needsVit = MethodPresets.Find(method, "small")?.Backbone is not null;
        var config = defaults with { Epochs = 1, WarmupEpochs = 0, BatchSize = needsVit ? 32 : defaults.BatchSize,
            Backbone = needsVit ? defaults.Backbone : new() { Name = "convnet", WidthMultiplier = 0.25 } };

        var result = PretrainRunner.Run(config, temp.Path, showProgress: false, maxSteps: 2);

        Assert.Equal(2, result.Training.Steps);
        Assert.True(double.IsFinite(result.Training.LastLoss), $"{method}: loss {result.Training.LastLoss}");
        Assert.InRange(result.Knn![20].Top1, 0.0, 1.0);
        var last = Assert.Single(result.Diagnostics);
        if (!needsVit) Assert.NotNull(last.Result.Embedding);   // masked methods have no projector
        Assert.True(File.Exists(Path.Combine(temp.Path, "summary.md")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "last.ckpt")));
        var maeGrid = Path.Combine(temp.Path, MaskedReconstruction.GridFileName);
        Assert.True(File.Exists(maeGrid) == (method == "mae"), $"{method}: {MaskedReconstruction.GridFileName} should exist for mae alone");
        if (method == "mae")
        {
            PngFile.AssertValid(maeGrid);
            var report = RunReport.Write(temp.Path, new ReportOptions { RunDecoder = false });
            Assert.Contains(MaskedReconstruction.GridFileName, report.Images);
        }
    }
}
