using SslSharp.Augment;
using SslSharp.Data;
using SslSharp.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation;

public class FeatureExtractorTests
{
    private static Tensor Images(int n, long seed) =>
        randint(0, 256, [n, 2, 4, 4], dtype: ScalarType.Byte, generator: new Generator((ulong)seed));

    [Fact]
    public void Returns_features_N_by_D_on_cpu_equal_to_one_eval_mode_forward_over_all_images()
    {
        using var scope = NewDisposeScope();
        using var encoder = new StandInBackbone(2, 4, 4, 6, seed: 1);
        encoder.train();
        var images = Images(10, 3);
        var features = FeatureExtractor.Extract(encoder, images, batchSize: 3);   // batches 3, 3, 3, 1

        Assert.Equal(new long[] { 10, 6 }, features.shape);
        Assert.Equal(ScalarType.Float32, features.dtype);
        Assert.Equal(DeviceType.CPU, features.device_type);
        Assert.False(features.requires_grad);
        Assert.All(encoder.SeenTraining, t => Assert.False(t));
        Assert.All(encoder.SeenGradEnabled, g => Assert.False(g));
        Assert.Equal(4, encoder.SeenTraining.Count);

        encoder.eval();
        using (no_grad())
        {
            var expected = encoder.call(images.to(ScalarType.Float32).div(255));
            Assert.True(expected.allclose(features, rtol: 1e-5, atol: 1e-6));
        }
    }

    [Fact]
    public void Restores_each_modules_previous_mode_and_leaves_batchnorm_statistics_alone()
    {
        using var scope = NewDisposeScope();
        using var encoder = new StandInBackbone(2, 4, 4, 6, seed: 1);
        encoder.train();
        encoder.Norm.eval();                                   // mixed modes: a frozen BN inside a training model
        var runningMean = encoder.Norm.running_mean!.clone();
        FeatureExtractor.Extract(encoder, Images(8, 4), batchSize: 4);
        Assert.True(encoder.training);
        Assert.False(encoder.Norm.training);
        Assert.True(encoder.Norm.running_mean!.equal(runningMean).all().item<bool>());

        encoder.eval();
        FeatureExtractor.Extract(encoder, Images(8, 4), batchSize: 4);
        Assert.False(encoder.training);
    }

    [Fact]
    public void Uint8_images_are_divided_by_255_and_preprocess_runs_on_every_batch()
    {
        using var scope = NewDisposeScope();
        using var encoder = new StandInBackbone(2, 4, 4, 5, seed: 2);
        var images = Images(7, 5);
        var fromBytes = FeatureExtractor.Extract(encoder, images, batchSize: 2);
        var fromFloats = FeatureExtractor.Extract(encoder, images.to(ScalarType.Float32).div(255), batchSize: 7);
        Assert.True(fromBytes.allclose(fromFloats, rtol: 1e-5, atol: 1e-6));

        int calls = 0;
        var zeroed = FeatureExtractor.Extract(encoder, images, x => { calls++; Assert.True(x.max().item<float>() <= 1f); return x.mul(0); }, batchSize: 3);
        Assert.Equal(3, calls);
        var expected = FeatureExtractor.Extract(encoder, zeros(7, 2, 4, 4), batchSize: 7);
        Assert.True(zeroed.allclose(expected));
    }

    private sealed class ScaleTransform(float factor) : IBatchTransform
    {
        public Tensor Apply(Tensor images, Generator generator) => images.mul(factor);
    }

    [Fact]
    public void Batch_transform_overload_applies_the_transform()
    {
        using var scope = NewDisposeScope();
        using var encoder = new StandInBackbone(2, 4, 4, 5, seed: 2);
        var images = Images(6, 6);
        var a = FeatureExtractor.Extract(encoder, images, new ScaleTransform(0.5f), batchSize: 4);
        var b = FeatureExtractor.Extract(encoder, images, x => x.mul(0.5f), batchSize: 4);
        Assert.True(a.allclose(b));
    }

    private sealed class MapEncoder : nn.Module<Tensor, Tensor>
    {
        public MapEncoder() : base(nameof(MapEncoder)) { }
        public override Tensor forward(Tensor x) => x.mul(2);
    }

    [Fact]
    public void Bad_input_fails_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        using var encoder = new StandInBackbone(2, 4, 4, 5);
        Assert.Contains("[N, C, H, W]", Assert.Throws<ArgumentException>(() => FeatureExtractor.Extract(encoder, zeros(3, 32))).Message);
        Assert.Contains("uint8", Assert.Throws<ArgumentException>(() => FeatureExtractor.Extract(encoder, zeros(3, 2, 4, 4, ScalarType.Int32))).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => FeatureExtractor.Extract(encoder, zeros(0, 2, 4, 4))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureExtractor.Extract(encoder, zeros(3, 2, 4, 4), batchSize: 0));
        using var map = new MapEncoder();
        map.train();
        var e = Assert.Throws<InvalidOperationException>(() => FeatureExtractor.Extract(map, zeros(3, 2, 4, 4)));
        Assert.Contains("features [3, D]", e.Message);
        Assert.True(map.training); // restored even when the encoder fails
    }
}
