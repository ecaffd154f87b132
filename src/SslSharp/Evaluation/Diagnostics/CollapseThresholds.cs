using System.Globalization;
using SslSharp.Evaluation.Spectral;

namespace SslSharp.Evaluation.Diagnostics;

/// <summary>
/// When the label-free diagnostics signal collapse: the std of the L2-normalised embeddings falls
/// below <c>StdFraction / sqrt(E)</c>, or RankMe falls below <c>max(MinRankMe, RankMeFraction * min(N, D))</c>.
/// </summary>
/// <remarks>
/// <para><b>Std</b> (SimSiam, Chen &amp; He 2021, section 4.1: collapse drives it to 0, healthy training keeps
/// it near <c>1 / sqrt(E)</c>). Untrained networks are far below the healthy value too: they map all
/// inputs into a narrow cone (the "cone effect", Liang et al., "Mind the Gap", NeurIPS 2022). The default
/// fraction 0.02 stays below an untrained network's value, so only training that squeezes the embeddings
/// harder than a random network does fires it. Checked on the method's embeddings only: backbone features
/// after a ReLU live in the positive orthant.</para>
/// <para><b>RankMe</b> (Garrido et al. 2023) of a completely collapsed matrix is 1 (plus about 1e-7 per
/// further singular value); dimensional collapse (Jing et al. 2022) squeezes wide embeddings into a
/// handful of directions while the std stays healthy: with a final BatchNorm (SimSiam's projector) every
/// dimension keeps its variance, so only the rank shows it. The default fraction 2.5 % sits below every
/// healthy run of the registered methods and an untrained network, and above a forced collapse; the floor
/// 1.5 flags "one direction carries almost everything" at any width. The measurements behind both
/// thresholds: docs/experiments.md#collapse-thresholds.</para>
/// </remarks>
public sealed record CollapseThresholds
{
    /// <summary>The defaults: std fraction 0.02, RankMe fraction 0.025, RankMe floor 1.5.</summary>
    public static CollapseThresholds Default { get; } = new();

    /// <summary>Collapse when the embedding std is below this times <c>1 / sqrt(E)</c>.</summary>
    public double StdFraction { get; init; } = 0.02;

    /// <summary>Collapse when RankMe is below this fraction of <c>min(N, D)</c> ...</summary>
    public double RankMeFraction { get; init; } = 0.025;

    /// <summary>... or below this floor.</summary>
    public double MinRankMe { get; init; } = 1.5;

    /// <summary>The RankMe below which a matrix of <paramref name="report"/>'s shape counts as collapsed.</summary>
    public double RankMeLimit(SpectralReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Math.Max(MinRankMe, RankMeFraction * Math.Min(report.Rows, report.Dim));
    }

    /// <summary>The embedding std below which <paramref name="report"/> counts as collapsed.</summary>
    public double StdLimit(SpectralReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return StdFraction / Math.Sqrt(report.Dim);
    }

    /// <summary>
    /// The collapse signals of a backbone and (optional) embedding report, as readable sentences;
    /// empty when nothing signals collapse.
    /// </summary>
    /// <param name="backbone">Diagnostics of the backbone features (RankMe is checked).</param>
    /// <param name="embedding">Diagnostics of the method's embeddings (RankMe and std are checked), or null.</param>
    public IReadOnlyList<string> Check(SpectralReport backbone, SpectralReport? embedding)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var c = CultureInfo.InvariantCulture;
        var signals = new List<string>();
        if (embedding is not null)
        {
            if (embedding.NormalizedStd < StdLimit(embedding))
                signals.Add(string.Create(c,
                    $"embedding std {embedding.NormalizedStd:G3} < {StdLimit(embedding):G3} ({StdFraction:G3}/sqrt({embedding.Dim}); healthy ~ {embedding.HealthyStd:G3})"));
            if (embedding.RankMe < RankMeLimit(embedding))
                signals.Add(string.Create(c, $"RankMe of the embeddings {embedding.RankMe:F2} < {RankMeLimit(embedding):F2} of at most {Math.Min(embedding.Rows, embedding.Dim)}"));
        }
        if (backbone.RankMe < RankMeLimit(backbone))
            signals.Add(string.Create(c, $"RankMe of the backbone features {backbone.RankMe:F2} < {RankMeLimit(backbone):F2} of at most {Math.Min(backbone.Rows, backbone.Dim)}"));
        return signals;
    }
}
