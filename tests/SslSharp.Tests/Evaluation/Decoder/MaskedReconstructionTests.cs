using SslSharp.Backbones;
using SslSharp.Evaluation.Decoder;
using SslSharp.Methods.Masked;
using SslSharp.Reporting;
using SslSharp.Tests.Reporting;
using SslSharp.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Decoder;

/// <summary>
/// The MAE picture (original / masked input / reconstruction): a prediction equal to the norm-pix target must give the
/// original image back (the un-normalisation uses the unbiased per-patch variance + 1e-6, computed here by hand); the
/// masked input is grey exactly on the masked patches; the grid has three rows per block.
/// </summary>
public class MaskedReconstructionTests
{
    private static readonly float[] Mean = [0.3f];
    private static readonly float[] Std = [0.4f];

    /// <summary>Patches of 1-channel images <c>[N, 1, H, W]</c> as <c>[N, L, p p]</c>, row-major over the grid, written
    /// with plain loops (independent of <c>Patches.Patchify</c>).</summary>
    private static float[,,] HandPatches(float[,,] images, int p)
    {
        int n = images.GetLength(0), h = images.GetLength(1), w = images.GetLength(2), gw = w / p, l = (h / p) * gw;
        var result = new float[n, l, p * p];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < l; t++)
                for (int y = 0; y < p; y++)
                    for (int x = 0; x < p; x++)
                        result[i, t, y * p + x] = images[i, (t / gw) * p + y, (t % gw) * p + x];
        return result;
    }

    [Fact]
    public void A_prediction_equal_to_the_norm_pix_target_gives_the_original_back_and_the_masked_input_is_grey_on_masked_patches()
    {
        const int n = 2, side = 8, p = 4, l = 4;
        using var g = new Generator(5);
        var normalised = randn(new long[] { n, 1, side, side }, generator: g);
        var pixels = new float[n, side, side];
        var flat = normalised.contiguous().data<float>().ToArray();
        for (int i = 0; i < flat.Length; i++) pixels[i / (side * side), i % (side * side) / side, i % side] = flat[i];
        var patches = HandPatches(pixels, p);
        // Norm-pix target by hand: (x - mean) / sqrt(unbiased var + 1e-6) per patch.
        var target = new float[n * l * p * p];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < l; t++)
            {
                double mean = 0, sq = 0;
                for (int k = 0; k < p * p; k++) mean += patches[i, t, k];
                mean /= p * p;
                for (int k = 0; k < p * p; k++) sq += (patches[i, t, k] - mean) * (patches[i, t, k] - mean);
                double sd = Math.Sqrt(sq / (p * p - 1) + 1e-6);
                for (int k = 0; k < p * p; k++) target[((i * l) + t) * p * p + k] = (float)((patches[i, t, k] - mean) / sd);
            }
        var prediction = tensor(target).view(n, l, p * p);
        var mask = tensor(new float[] { 1, 0, 0, 1, 0, 1, 1, 1 }).view(n, l);

        var samples = MaskedReconstruction.Compose(normalised, prediction, mask, p, normPix: true, Mean, Std);

        Assert.Equal(n, samples.Count);
        Assert.NotNull(samples.MaskedInputs);
        for (int i = 0; i < n; i++)
        {
            var original = samples.Originals[i];
            var reconstruction = samples.Reconstructions[i];
            var masked = samples.MaskedInputs![i];
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    int k = y * side + x, token = (y / p) * (side / p) + x / p;
                    float expected = Math.Clamp(pixels[i, y, x] * Std[0] + Mean[0], 0f, 1f);
                    Assert.Equal(expected, original[k], 5);
                    Assert.Equal(expected, reconstruction[k], 4);
                    bool isMasked = mask[i, token].ToSingle() == 1;
                    Assert.Equal(isMasked ? MaskedReconstruction.MaskedGrey : expected, masked[k], 5);
                }
        }
    }

    [Fact]
    public void Masked_patches_come_from_the_prediction_and_visible_ones_from_the_image()
    {
        var normalised = ones(1, 1, 4, 4);                        // pixel 1 * 0.4 + 0.3 = 0.7 everywhere
        var prediction = full(new long[] { 1, 4, 4 }, -0.75f);    // -0.75 * 0.4 + 0.3 = 0 where masked
        var mask = tensor(new float[] { 0, 1, 0, 0 }).view(1, 4);
        var samples = MaskedReconstruction.Compose(normalised, prediction, mask, 2, normPix: false, Mean, Std);
        var r = samples.Reconstructions[0];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                Assert.Equal(y < 2 && x >= 2 ? 0f : 0.7f, r[y * 4 + x], 5);
    }

    [Fact]
    public void An_mae_draws_a_three_row_grid_without_touching_its_training_masks()
    {
        using var temp = new TempDir();
        var vit = new VisionTransformer(new VisionTransformerOptions { ImageSize = 28, PatchSize = 7, InChannels = 1, Dim = 16, Depth = 1, Heads = 2, MlpRatio = 2 });
        using var mae = new MAE(vit, new MAEOptions { DecoderDim = 16, DecoderDepth = 1, DecoderHeads = 2 });
        using var g = new Generator(3);
        var images = randint(0, 256, new long[] { 10, 1, 28, 28 }, generator: g).to(ScalarType.Byte);
        var step = new SslSharp.Core.TrainingProgress(4, 10, 0, 10);
        mae.OnStepStart(step);
        using var untouched = mae.DrawMask(4);
        mae.OnStepStart(step);
        var samples = MaskedReconstruction.Sample(mae, images, Mean, Std, count: 10, seed: 1, CPU);
        var again = MaskedReconstruction.Sample(mae, images, Mean, Std, count: 10, seed: 1, CPU);
        using var after = mae.DrawMask(4);
        Assert.True(after.Keep.eq(untouched.Keep).all().ToBoolean(), "drawing the picture advanced the training mask generator");
        Assert.Equal(samples.Reconstructions[3], again.Reconstructions[3]);   // the seed fixes the picture
        int greyPixels = samples.MaskedInputs!.Sum(m => m.Count(v => v == MaskedReconstruction.MaskedGrey));
        Assert.InRange(greyPixels, 10 * 12 * 49 - 10 * 49 / 4, 10 * 12 * 49);   // 12 of 16 patches of 49 px masked (a pixel may be grey by chance: never more)
        Assert.True(mae.training, "the train flag was not restored");

        var path = temp.File(MaskedReconstruction.GridFileName);
        var (w, h) = DecoderGrid.Write(samples, path);
        int s = DecoderGrid.ScaleFor(28), cell = s * 28, pad = DecoderGrid.Padding;
        Assert.Equal(8 * cell + 9 * pad, w);
        Assert.Equal(2 * pad + 2 * (3 * cell + 2 * pad) + DecoderGrid.BlockGap, h);   // 10 images: two blocks of three rows
        Assert.Equal((w, h), PngFile.AssertValid(path));
    }
}
