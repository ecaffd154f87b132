using SslSharp.Evaluation.Spectral;

namespace SslSharp.Evaluation.Diagnostics;

/// <summary>
/// The label-free diagnostics of a method at one point of training: backbone features and method
/// embeddings, plus the collapse signals, with the metric names they are logged under.
/// </summary>
/// <remarks>
/// <para>Logged names (<see cref="Metrics"/>; <c>logged.csv</c>, TensorBoard, <c>rank.json</c>):</para>
/// <list type="bullet">
/// <item>backbone features: <c>rankme_backbone</c>, <c>alpha_req</c>, <c>alpha_req_r2</c> (alpha-ReQ is a
/// measure of the representation), <c>numerical_rank_backbone</c>, <c>sv_entropy_backbone</c>,
/// <c>backbone_std</c>;</item>
/// <item>method embeddings (what the loss sees, where collapse shows first): <c>rankme_embedding</c>,
/// <c>numerical_rank</c>, <c>sv_entropy</c>, <c>embedding_std</c>, <c>alignment</c>, <c>uniformity</c>,
/// <c>alpha_req_embedding</c>, <c>alpha_req_r2_embedding</c>; absent when the method returns no
/// embeddings (alignment also needs augmented views);</item>
/// <item><c>collapse_warning</c>: 1 when a collapse signal fired, else 0.</item>
/// </list>
/// <para>Values that are undefined (alpha-ReQ of a spectrum with fewer than 4 non-negligible
/// eigenvalues) are left out rather than logged as NaN.</para>
/// </remarks>
/// <param name="Backbone">Diagnostics of the backbone features.</param>
/// <param name="Embedding">Diagnostics of the method embeddings, or null when the method returns none.</param>
/// <param name="CollapseSignals">Readable collapse signals (<see cref="CollapseThresholds.Check"/>); empty when healthy.</param>
public sealed record DiagnosticsResult(SpectralReport Backbone, SpectralReport? Embedding, IReadOnlyList<string> CollapseSignals)
{
    /// <summary>Whether any collapse signal fired.</summary>
    public bool CollapseSuspected => CollapseSignals.Count > 0;

    /// <summary>Analyses extracted representations against <paramref name="thresholds"/> (default <see cref="CollapseThresholds.Default"/>).</summary>
    public static DiagnosticsResult Analyze(MethodRepresentations representations, CollapseThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(representations);
        var backbone = EmbeddingDiagnostics.Analyze(representations.Features);
        var embedding = representations.Embeddings is null
            ? null
            : EmbeddingDiagnostics.Analyze(representations.Embeddings, null) with
            {
                Alignment = representations.EmbeddingsViewA is { } a && representations.EmbeddingsViewB is { } b
                    ? AlignmentUniformity.Alignment(a, b)
                    : null,
            };
        return new DiagnosticsResult(backbone, embedding, (thresholds ?? CollapseThresholds.Default).Check(backbone, embedding));
    }

    /// <summary>The values under their logged names, in a fixed order (see the remarks).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Metrics()
    {
        var m = new List<KeyValuePair<string, double>>();
        void Add(string name, double? value)
        {
            if (value is double v && double.IsFinite(v)) m.Add(new(name, v));
        }
        Add("rankme_backbone", Backbone.RankMe);
        Add("alpha_req", Backbone.AlphaReq?.Alpha);
        Add("alpha_req_r2", Backbone.AlphaReq?.RSquared);
        Add("numerical_rank_backbone", Backbone.NumericalRank);
        Add("sv_entropy_backbone", Backbone.SingularValueEntropy);
        Add("backbone_std", Backbone.NormalizedStd);
        if (Embedding is { } e)
        {
            Add("rankme_embedding", e.RankMe);
            Add("numerical_rank", e.NumericalRank);
            Add("sv_entropy", e.SingularValueEntropy);
            Add("embedding_std", e.NormalizedStd);
            Add("alignment", e.Alignment);
            Add("uniformity", e.Uniformity);
            Add("alpha_req_embedding", e.AlphaReq?.Alpha);
            Add("alpha_req_r2_embedding", e.AlphaReq?.RSquared);
        }
        Add("collapse_warning", CollapseSuspected ? 1 : 0);
        return m;
    }
}
