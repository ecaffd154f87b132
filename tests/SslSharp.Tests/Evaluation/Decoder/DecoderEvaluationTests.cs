using System.Buffers.Binary;
using System.Text.Json;
using SslSharp.Evaluation.Decoder;
using SslSharp.Runs.Reports;
using SslSharp.Tests.Logging;
using TorchSharp;
using static TorchSharp.torch;
using StandInBackbone = SslSharp.Tests.Evaluation.StandInBackbone;

namespace SslSharp.Tests.Evaluation.Decoder;

public class DecoderEvaluationTests
{
    private static readonly float[] Mean = [0.4f];
    private static readonly float[] Std = [0.3f];

    private static DecoderOptions Small => new() { Epochs = 6, BatchSize = 64, LearningRate = 3e-3, BaseChannels = 16, GridImages = 16 };

    [Fact]
    public void No_gradient_reaches_the_frozen_encoder_and_its_weights_and_mode_stay()
    {
        using var scope = NewDisposeScope();
        var train = DecoderTestData.Images(128, 14);
        var test = DecoderTestData.Images(32, 14, seed: 1);
        using var encoder = new StandInBackbone(1, 14, 14, 24);
        encoder.train();
        var before = encoder.parameters().Select(p => p.detach().clone()).ToList();

        var result = DecoderEvaluation.Run(encoder, train, test, Mean, Std, Small with { Epochs = 2 });

        Assert.True(result.TestMsePerEpoch.Count == 2);
        Assert.All(encoder.parameters(), p => Assert.True(p.grad is null, "a gradient reached the encoder"));
        foreach (var (p, b) in encoder.parameters().Zip(before))
            Assert.True(p.detach().allclose(b, 0, 0), "the encoder's weights changed");
        Assert.True(encoder.training, "the encoder's train flag was not restored");
        Assert.All(encoder.SeenGradEnabled, g => Assert.False(g, "the encoder ran with autograd on"));
        Assert.All(encoder.SeenTraining, t => Assert.False(t, "the encoder ran in train mode (BatchNorm would update)"));
    }

    [Fact]
    public void Reconstruction_error_falls_and_beats_the_mean_image()
    {
        using var scope = NewDisposeScope();
        var train = DecoderTestData.Images(256, 14);
        var test = DecoderTestData.Images(64, 14, seed: 1);
        using var encoder = new StandInBackbone(1, 14, 14, 32);

        var result = DecoderEvaluation.Run(encoder, train, test, Mean, Std, Small with { BatchSize = 32, BaseChannels = 16 });

        Assert.All(result.TrainMsePerEpoch.Concat(result.TestMsePerEpoch), v => Assert.True(double.IsFinite(v)));
        Assert.True(result.TrainMsePerEpoch[^1] < 0.5 * result.TrainMsePerEpoch[0],
            $"training MSE did not fall: {string.Join(", ", result.TrainMsePerEpoch)}");
        Assert.True(result.TestMsePerEpoch[^1] < result.TestMsePerEpoch[0],
            $"held-out MSE did not fall: {string.Join(", ", result.TestMsePerEpoch)}");
        Assert.Equal(result.TestMsePerEpoch[^1], result.TestMse);
        Assert.True(result.TestMse < 0.5 * result.MeanImageMse,
            $"decoder MSE {result.TestMse} does not beat the mean image's {result.MeanImageMse}");
        Assert.Equal(256, result.TrainCount);
        Assert.Equal(64, result.TestCount);
        Assert.Equal(32, result.FeatureDim);
    }

    [Fact]
    public void Mean_image_baseline_matches_a_hand_computation()
    {
        using var scope = NewDisposeScope();
        var train = DecoderTestData.Images(100, 8);
        var test = DecoderTestData.Images(30, 8, seed: 3);
        using var encoder = new StandInBackbone(1, 8, 8, 8);
        var result = DecoderEvaluation.Run(encoder, train, test, Mean, Std, Small with { Epochs = 1 });

        // Plain loops over the bytes: normalise, average the training images, mean squared deviation of the test images.
        byte[] tr = train.data<byte>().ToArray(), te = test.data<byte>().ToArray();
        const int p = 64;
        var meanImage = new double[p];
        for (int i = 0; i < 100; i++)
            for (int j = 0; j < p; j++) meanImage[j] += (tr[i * p + j] / 255.0 - 0.4) / 0.3 / 100;
        double sum = 0;
        for (int i = 0; i < 30; i++)
            for (int j = 0; j < p; j++) sum += Math.Pow((te[i * p + j] / 255.0 - 0.4) / 0.3 - meanImage[j], 2);
        Assert.Equal(sum / (30 * p), result.MeanImageMse, 4);
    }

    [Fact]
    public void Same_seed_same_result_and_subsets_are_respected()
    {
        using var scope = NewDisposeScope();
        var train = DecoderTestData.Images(100, 8);
        var test = DecoderTestData.Images(50, 8, seed: 1);
        using var encoder = new StandInBackbone(1, 8, 8, 16);
        var options = Small with { Epochs = 2, BaseChannels = 16, MaxTrainImages = 80, MaxTestImages = 40, GridImages = 5 };
        var a = DecoderEvaluation.Run(encoder, train, test, Mean, Std, options);
        var b = DecoderEvaluation.Run(encoder, train, test, Mean, Std, options);
        Assert.Equal(a.TrainMsePerEpoch, b.TrainMsePerEpoch);
        Assert.Equal(a.TestMse, b.TestMse);
        Assert.Equal(80, a.TrainCount);
        Assert.Equal(40, a.TestCount);
        Assert.Equal(5, a.Samples.Count);
        var c = DecoderEvaluation.Run(encoder, train, test, Mean, Std, options with { Seed = 7 });
        Assert.NotEqual(a.TrainMsePerEpoch, c.TrainMsePerEpoch);
    }

    [Fact]
    public void Writes_a_png_grid_of_the_expected_size_and_the_json_and_markdown()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var train = DecoderTestData.Images(128, 14);
        var test = DecoderTestData.Images(40, 14, seed: 1);
        using var encoder = new StandInBackbone(1, 14, 14, 16);
        var options = Small with { Epochs = 1, BaseChannels = 16 };
        var result = DecoderEvaluation.Run(encoder, train, test, Mean, Std, options);
        var files = SslSharp.Runs.Reports.CheckpointDecoder.Write(result, dir.Path, "test.ckpt", "simclr", "synthetic", options);

        var png = File.ReadAllBytes(Path.Combine(dir.Path, "reconstructions.png"));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        // 16 images of 14 px, scaled x5 (cells of 70 px), 8 per row: 2 blocks of (original row, reconstruction row).
        Assert.Equal(8 * 70 + 9 * 2, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(2 * 2 + 2 * (2 * 70 + 2) + 10, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "decoder.json")));
        Assert.Equal(result.TestMse, json.RootElement.GetProperty("result").GetProperty("test_mse").GetDouble(), 12);
        Assert.Equal(result.MeanImageMse, json.RootElement.GetProperty("result").GetProperty("mean_image_mse").GetDouble(), 12);
        Assert.Equal("decoder", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("simclr", json.RootElement.GetProperty("metadata").GetProperty("method").GetString());
        var md = File.ReadAllText(Path.Combine(dir.Path, "decoder.md"));
        Assert.Contains("- source: test.ckpt", md);
        Assert.Contains("- dataset: synthetic", md);
        Assert.Contains("| " + result.TestMse.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) + " | ", md);
        Assert.Equal(3, files.Count);
    }

    [Fact]
    public void The_decoder_outputs_the_image_size_for_any_side()
    {
        using var scope = NewDisposeScope();
        foreach (var (c, side, mapSide) in new[] { (1, 28, 28), (3, 32, 28), (1, 8, 7), (3, 64, 56) })
        {
            using var decoder = new DecoderNetwork(10, c, side, side, baseChannels: 16);
            Assert.Equal(mapSide, decoder.MapSide);
            var y = decoder.call(randn(3, 10));
            Assert.Equal(new long[] { 3, c, side, side }, y.shape);
        }
    }

    [Fact]
    public void Bad_input_fails_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        var train = DecoderTestData.Images(10, 8);
        using var encoder = new StandInBackbone(1, 8, 8, 4);
        var e1 = Assert.Throws<ArgumentException>(() => DecoderEvaluation.Run(encoder, train, train, [0.5f, 0.5f], Std));
        Assert.Contains("one per channel", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => DecoderEvaluation.Run(encoder, train, DecoderTestData.Images(4, 10), Mean, Std));
        Assert.Contains("must share channels, height and width", e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DecoderEvaluation.Run(encoder, train, train, Mean, Std, new DecoderOptions { Epochs = 0 }));
        Assert.Throws<ArgumentException>(() => new DecoderNetwork(4, 1, 8, 8).call(randn(2, 5)));
    }
}
