using SslSharp.Runs;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Evaluation.Diagnostics;

/// <summary>
/// The cookbook's collapse example run for real: SimSiam without its stop-gradient (Chen &amp; He 2021,
/// section 4.1, figure 2) against the same run with it, through <c>sslsharp pretrain</c>'s runner.
/// </summary>
[Collection("TrainerSerial")]
public class SimSiamCollapseTests
{
    /// <summary>SimSiam's small preset on the embedded data, 2 epochs at base lr 0.6, diagnostics after each epoch.</summary>
    private static RunConfig SimSiam(bool stopGradient)
    {
        var config = PretrainDefaults.For("simsiam", "fashion-mnist-embedded");
        var options = new Dictionary<string, string>(config.Options) { ["stop_gradient"] = stopGradient ? "true" : "false" };
        return config with { Epochs = 2, LearningRate = 0.6, DiagnosticsEvery = 1, OnlineProbe = false, Options = options };
    }

    [Fact]
    [Trait("Category", "Slow")] // two 2-epoch runs, about a minute each on two idle cores
    public void Without_the_stop_gradient_RankMe_falls_and_the_warning_fires_with_it_it_does_not()
    {
        using var collapsedDir = new TempDir();
        using var healthyDir = new TempDir();
        var collapsed = PretrainRunner.Run(SimSiam(stopGradient: false), collapsedDir.Path, showProgress: false);
        var healthy = PretrainRunner.Run(SimSiam(stopGradient: true), healthyDir.Path, showProgress: false);

        var c = collapsed.Diagnostics[^1].Result.Embedding!;
        var h = healthy.Diagnostics[^1].Result.Embedding!;
        Assert.NotEmpty(collapsed.CollapseWarnings);
        Assert.Empty(healthy.CollapseWarnings);
        Assert.True(c.RankMe < h.RankMe / 4, $"RankMe without stop-gradient {c.RankMe:F1} should be far below the healthy {h.RankMe:F1}");
        // The negative cosine heads for its trivial minimum -1 without the stop-gradient.
        Assert.True(collapsed.Training.LastLoss < healthy.Training.LastLoss,
            $"loss without stop-gradient {collapsed.Training.LastLoss:F3} should be below the healthy {healthy.Training.LastLoss:F3}");
        Assert.Contains("collapse warnings | none", File.ReadAllText(Path.Combine(healthyDir.Path, "summary.md")));
    }
}
