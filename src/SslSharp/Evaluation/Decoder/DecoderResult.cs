namespace SslSharp.Evaluation.Decoder;

/// <summary>What <see cref="DecoderEvaluation.Run"/> measured.</summary>
/// <param name="TestMse">Mean squared error of the trained decoder on the held-out images (normalised pixels).</param>
/// <param name="MeanImageMse">The baseline: MSE of predicting the mean training image for every held-out image.</param>
/// <param name="TrainMsePerEpoch">Mean training MSE of each epoch (decoder in train mode, as seen by the optimiser).</param>
/// <param name="TestMsePerEpoch">Held-out MSE after each epoch (decoder in eval mode); the last equals <paramref name="TestMse"/>.</param>
/// <param name="TrainCount">Training images used.</param>
/// <param name="TestCount">Held-out images scored.</param>
/// <param name="FeatureDim">Width <c>D</c> of the frozen features.</param>
/// <param name="Samples">Held-out images and their reconstructions for the grid.</param>
/// <param name="Elapsed">Wall time of the evaluation (extraction and training).</param>
public sealed record DecoderResult(
    double TestMse,
    double MeanImageMse,
    IReadOnlyList<double> TrainMsePerEpoch,
    IReadOnlyList<double> TestMsePerEpoch,
    long TrainCount,
    long TestCount,
    int FeatureDim,
    DecoderSamples Samples,
    TimeSpan Elapsed)
{
    /// <summary>File name of the reconstruction grid a decoder evaluation writes into its folder.</summary>
    public const string GridFileName = "reconstructions.png";

    /// <summary>Fraction of the mean-image baseline's error that the decoder removes: <c>1 - TestMse / MeanImageMse</c>.</summary>
    public double ExplainedFraction => MeanImageMse > 0 ? 1 - TestMse / MeanImageMse : double.NaN;
}
