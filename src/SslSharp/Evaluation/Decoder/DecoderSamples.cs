
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
}
