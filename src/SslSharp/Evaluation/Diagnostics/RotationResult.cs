namespace SslSharp.Evaluation.Diagnostics;

/// <summary>The outcome of <see cref="RotationPrediction.Score"/>.</summary>
/// <param name="Accuracy">Test accuracy of the 4-way rotation head on held-out images (each in all 4 rotations), in [0, 1]; chance is 0.25.</param>
/// <param name="TrainAccuracy">Accuracy on the images the head was trained on.</param>
/// <param name="TrainImages">Images the head was trained on (each contributes 4 rotated samples).</param>
/// <param name="TestImages">Held-out images (each contributes 4 rotated samples).</param>
public sealed record RotationResult(double Accuracy, double TrainAccuracy, long TrainImages, long TestImages)
{
    /// <summary>Chance accuracy of a 4-way prediction on a balanced set.</summary>
    public const double Chance = 0.25;
}
