using static TorchSharp.torch;

namespace SslSharp.Evaluation.Decoder;

/// <summary>
/// Held-out images next to their decoder reconstructions, as pixel values in [0, 1] (the
/// normalisation undone and clamped), ready to draw with <c>Reporting.DecoderGrid</c>. An MAE's samples
/// (<see cref="MaskedReconstruction"/>) also carry the masked inputs the encoder saw, drawn between the two.
/// </summary>
/// <param name="Channels">Channels <c>C</c> (1 grey, 3 RGB).</param>
/// <param name="Height">Image height <c>H</c>.</param>
/// <param name="Width">Image width <c>W</c>.</param>
/// <param name="Originals">One array of <c>C x H x W</c> values (channel-major) per image.</param>
/// <param name="Reconstructions">The matching reconstructions, same layout.</param>
public sealed record DecoderSamples(int Channels, int Height, int Width, IReadOnlyList<float[]> Originals, IReadOnlyList<float[]> Reconstructions)
{
    /// <summary>Number of image pairs.</summary>
    public int Count => Originals.Count;

    /// <summary>The inputs with their masked patches greyed out, same layout, or null (a decoder on whole images).</summary>
    public IReadOnlyList<float[]>? MaskedInputs { get; init; }

    /// <summary>
    /// Samples from normalised tensors: both are un-normalised per channel (<c>x std + mean</c>) and clamped to [0, 1];
    /// with <paramref name="masked"/>, the masked inputs are the un-normalised originals with the masked pixels set to
    /// <see cref="MaskedReconstruction.MaskedGrey"/>.
    /// </summary>
    /// <param name="originals">Normalised images <c>[N, C, H, W]</c> (CPU, float32).</param>
    /// <param name="reconstructions">Their normalised reconstructions, same shape and device.</param>
    /// <param name="mean">Per-channel normalisation mean (<c>C</c> values).</param>
    /// <param name="std">Per-channel normalisation standard deviation.</param>
    /// <param name="masked">Per-pixel mask <c>[N, C, H, W]</c>, 1 where the encoder saw nothing; null for none.</param>
    public static DecoderSamples FromNormalised(Tensor originals, Tensor reconstructions, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        Tensor? masked = null)
    {
        ArgumentNullException.ThrowIfNull(originals);
        ArgumentNullException.ThrowIfNull(reconstructions);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        using var scope = NewDisposeScope();
        var shape = new long[] { 1, originals.shape[1], 1, 1 };
        var channelMean = tensor(mean.ToArray()).view(shape);
        var channelStd = tensor(std.ToArray()).view(shape);
        var pixels = originals.mul(channelStd).add(channelMean).clamp(0, 1);
        var redrawn = reconstructions.mul(channelStd).add(channelMean).clamp(0, 1);
        var samples = new DecoderSamples((int)originals.shape[1], (int)originals.shape[2], (int)originals.shape[3], Rows(pixels), Rows(redrawn));
        return masked is null
            ? samples
            : samples with { MaskedInputs = Rows(pixels.mul(masked.neg().add(1)).add(masked.mul(MaskedReconstruction.MaskedGrey))) };
    }

    /// <summary>One channel-major array per image of <c>[N, C, H, W]</c>.</summary>
    private static float[][] Rows(Tensor t) =>
        Enumerable.Range(0, (int)t.shape[0]).Select(i => t[i].contiguous().data<float>().ToArray()).ToArray();
}
