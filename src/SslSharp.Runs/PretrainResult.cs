using SslSharp.Evaluation;
using SslSharp.Evaluation.Diagnostics;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Training;

namespace SslSharp.Runs;

/// <summary>What a finished pretraining run produced.</summary>
/// <param name="RunDirectory">The run folder.</param>
/// <param name="Training">Steps, epochs, last loss, wall time and last checkpoint of the run.</param>
/// <param name="Knn">kNN accuracy of the final encoder on the held-out set; null when the data set has no labels.</param>
/// <param name="PixelKnn">The same kNN on raw pixels: the baseline to beat; null when the data set has no labels.</param>
/// <param name="Files">Every file the run wrote (config, metrics, plots, checkpoint, summary).</param>
/// <param name="Diagnostics">Every label-free diagnostics evaluation of the run (RankMe, std, ...), oldest first.</param>
/// <param name="CollapseWarnings">The collapse warnings the diagnostics printed (empty for a healthy run).</param>
public sealed record PretrainResult(string RunDirectory, TrainResult Training, KnnResult? Knn, KnnResult? PixelKnn, IReadOnlyList<string> Files,
    IReadOnlyList<DiagnosticsEvaluation> Diagnostics, IReadOnlyList<string> CollapseWarnings);
