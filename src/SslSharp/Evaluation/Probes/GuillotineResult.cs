using SslSharp.Evaluation.Neighbours;

namespace SslSharp.Evaluation.Probes;

/// <summary>The outcome of a <see cref="Guillotine"/> probe: one entry per cut, backbone first.</summary>
/// <param name="Layers">Scores per cut, from the backbone output through every projector layer.</param>
public sealed record GuillotineResult(IReadOnlyList<GuillotineLayer> Layers)
{
    /// <summary>The cut with the best linear-probe top-1 (the first one on ties).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public GuillotineLayer BestLinear => Layers.Aggregate((a, b) => b.Linear.Top1 > a.Linear.Top1 ? b : a);

    /// <summary>The cut with the best kNN top-1 at the first requested k (the first one on ties).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public GuillotineLayer BestKnn => Layers.Aggregate((a, b) => b.Knn.Scores[0].Top1 > a.Knn.Scores[0].Top1 ? b : a);
}
