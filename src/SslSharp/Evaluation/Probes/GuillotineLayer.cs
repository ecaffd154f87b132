using SslSharp.Evaluation.Neighbours;

namespace SslSharp.Evaluation.Probes;

/// <summary>The scores of one cut of the guillotine probe.</summary>
/// <param name="Name">Where the network was cut: <c>backbone</c>, or <c>projector.&lt;index&gt; &lt;module&gt;</c> (output after that module).</param>
/// <param name="Width">Feature width at that cut.</param>
/// <param name="Knn">kNN accuracy of the features at that cut.</param>
/// <param name="Linear">Linear-probe accuracy of the features at that cut.</param>
public sealed record GuillotineLayer(string Name, int Width, KnnResult Knn, LinearProbeResult Linear);
