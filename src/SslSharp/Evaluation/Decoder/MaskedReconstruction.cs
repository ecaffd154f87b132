using SslSharp.Augment;
using SslSharp.Losses;
using SslSharp.Methods.Masked;
using SslSharp.Modules.Masking;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Decoder;

/// <summary>
/// What an MAE makes of held-out images: each image, the image with its masked patches greyed out (what the encoder
/// saw), and the decoder's reconstruction with the visible patches pasted back, as <see cref="DecoderSamples"/> in
/// [0, 1] (He et al. 2022, Fig. 2; facebookresearch/mae's visualisation un-normalises a norm-pix prediction with the
/// target patch's own mean and variance, as <see cref="Compose"/> does).
/// </summary>
public static class MaskedReconstruction
{
    /// <summary>File name of the grid a pretraining run of <c>mae</c> writes into its run folder.</summary>
    public const string GridFileName = "mae_reconstructions.png";

    /// <summary>Grey level of a masked patch in the masked-input row.</summary>
    public const float MaskedGrey = 0.5f;

    /// <summary>Reconstructs the first <paramref name="count"/> of <paramref name="images"/> under masks drawn from
    /// <paramref name="seed"/> (not from the method's training generator, which stays untouched).</summary>
    /// <param name="mae">The trained method (put in eval mode for the pass, then restored).</param>
    /// <param name="images">Held-out images <c>[N, C, H, W]</c>, uint8 or float in [0, 1].</param>
    /// <param name="mean">Per-channel normalisation mean, as in training.</param>
    /// <param name="std">Per-channel normalisation standard deviation.</param>
    /// <param name="count">Images to draw (at most N).</param>
    /// <param name="seed">Seed of the masks.</param>
    /// <param name="device">Where the method lives.</param>
    public static DecoderSamples Sample(MAE mae, Tensor images, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        int count, long seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(mae);
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[0] == 0)
            throw new ArgumentException($"images must be a non-empty [N, C, H, W] batch but have shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Draw at least one image.");
        count = (int)Math.Min(count, images.shape[0]);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = mae.training;
        mae.eval();
        try
        {
            var batch = images.narrow(0, 0, count);
            batch = batch.dtype == ScalarType.Byte ? batch.to(ScalarType.Float32).div(255) : batch.to(ScalarType.Float32);
            using var generator = new Generator((ulong)seed);
            var normalised = new Normalize(mean, std).Apply(batch, generator).to(device);
            using var mask = mae.DrawMask(count, generator);
            var (_, prediction, _) = mae.Reconstruct(normalised, mask);
            return Compose(normalised.cpu(), prediction.cpu(), mask.Mask.cpu(), mae.PatchSize, mae.Options.NormPixLoss, mean, std);
        }
        finally
        {
            mae.train(wasTraining);
        }
    }

    /// <summary>The three rows from normalised images, a prediction and a mask (all on one device).</summary>
    /// <param name="normalised">Normalised images <c>[N, C, H, W]</c>.</param>
    /// <param name="prediction">Decoder output <c>[N, L, p p C]</c>, in norm-pix units when <paramref name="normPix"/>.</param>
    /// <param name="mask">Per-patch mask <c>[N, L]</c>, 1 = masked.</param>
    /// <param name="patchSize">Patch side <c>p</c>.</param>
    /// <param name="normPix">Whether the prediction is per-patch normalised (undone with the target patch's mean and
    /// unbiased variance + 1e-6, the loss's own normalisation).</param>
    /// <param name="mean">Per-channel normalisation mean.</param>
    /// <param name="std">Per-channel normalisation standard deviation.</param>
    public static DecoderSamples Compose(Tensor normalised, Tensor prediction, Tensor mask, int patchSize, bool normPix,
        IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        using var scope = NewDisposeScope();
        int h = (int)normalised.shape[2], w = (int)normalised.shape[3];
        var target = Patches.Patchify(normalised, patchSize);                          // [N, L, p p C]
        var predicted = prediction.to(ScalarType.Float32);
        if (normPix)
        {
            var patchMean = target.mean(new long[] { -1 }, keepdim: true);
            var patchVar = target.var(-1, unbiased: true, keepdim: true);
            predicted = predicted.mul(patchVar.add(MAELoss.NormPixEps).sqrt()).add(patchMean);
        }
        var m = mask.to(ScalarType.Float32).unsqueeze(-1);                             // [N, L, 1]
        var pasted = target.mul(m.neg().add(1)).add(predicted.mul(m));
        var maskedPixels = Patches.Unpatchify(m.expand(-1, -1, target.shape[2]), patchSize, h, w);
        return DecoderSamples.FromNormalised(normalised, Patches.Unpatchify(pasted, patchSize, h, w), mean, std, maskedPixels);
    }
}
