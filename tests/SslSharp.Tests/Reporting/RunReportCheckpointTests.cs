using SslSharp.Evaluation.Decoder;
using SslSharp.Evaluation.Spectral;
using SslSharp.Reporting;
using SslSharp.Runs.Reports;
using SslSharp.Runs;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Reporting;

/// <summary>The report of a real (3-step) run: what is missing is computed from its checkpoint.</summary>
[Collection("TrainerSerial")]
public class RunReportCheckpointTests
{
    [Fact]
    public void A_run_folder_with_a_checkpoint_gets_spectra_pca_and_reconstructions()
    {
        using var temp = new TempDir();
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with { Epochs = 1, WarmupEpochs = 0, BatchSize = 32, Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 } };
        PretrainRunner.Run(config, temp.Path, showProgress: false, maxSteps: 3);
        // The run logs its spectra; remove them so the report computes them from the checkpoint (same definition).
        File.Delete(temp.File(SpectrumCsv.BackboneFile));
        File.Delete(temp.File(SpectrumCsv.EmbeddingFile));
        var options = ReportOptions.Default with
        {
            SubsetSize = 300,
            Decoder = new DecoderOptions { Epochs = 1, MaxTrainImages = 256, MaxTestImages = 64, BaseChannels = 16 },
        };
        var phases = new HashSet<string>();

        var result = RunReport.Write(temp.Path, options, (phase, _, _) => phases.Add(phase));

        var html = ReportFolderChecks.AssertComplete(temp.Path, result);
        Assert.Equal(new[] { "loss_lr.png", "knn.png", "probe.png", "spectrum.png", "rankme.png", "collapse.png", "pca.png", "reconstructions.png" }, result.Images);
        Assert.Contains("Spectra shown: backbone features (computed, 300 held-out images); embeddings (computed, 300 held-out images).", html);
        Assert.Contains("Decoder trained for this report: held-out MSE", html);
        Assert.Equal((1000, 700), PngFile.AssertValid(temp.File("pca.png")));
        Assert.True(File.Exists(temp.File("decoder.json")));
        Assert.Contains("<td>decoder.json</td><td>test_mse</td>", html);
        Assert.DoesNotContain(result.Notes, n => n.Contains("checkpoint", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(DecoderEvaluation.TrainingPhase, phases);

        // A second report reuses the grid and reads the decoder's numbers from decoder.json.
        var again = RunReport.Write(temp.Path, options with { RunDecoder = false });
        Assert.Contains("From decoder.json (an earlier &#39;sslsharp eval decoder&#39;): held-out MSE", ReportFolderChecks.AssertComplete(temp.Path, again));
    }
}
