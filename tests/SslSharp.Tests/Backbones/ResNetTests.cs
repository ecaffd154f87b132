using System.Text.Json;
using SslSharp.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Backbones;

public class ResNetTests
{
    private static List<JsonElement> LoadCases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "resnet.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static ResNet Build(string name, int inChannels, bool lowRes) => name switch
    {
        "resnet18" => ResNet.ResNet18(inChannels, lowRes),
        "resnet34" => ResNet.ResNet34(inChannels, lowRes),
        "resnet50" => ResNet.ResNet50(inChannels, lowRes),
        _ => throw new ArgumentException(name),
    };

    // The same closed-form weights as scripts/make_resnet_fixtures.py fill().
    private static void Fill(string key, Tensor t)
    {
        double c = key.Sum(ch => (int)ch) % 97 * 0.1;
        using var scope = torch.NewDisposeScope();
        var s = torch.sin(torch.arange(t.numel(), dtype: ScalarType.Float64) * 0.37 + c).reshape(t.shape);
        Tensor v;
        if (key.EndsWith("running_var", StringComparison.Ordinal)) v = 1.0 + 0.25 * s * s;
        else if (key.EndsWith("running_mean", StringComparison.Ordinal) || key.EndsWith("bias", StringComparison.Ordinal)) v = 0.1 * s;
        else if (t.dim() == 1) v = 1.0 + 0.1 * s;
        else v = s * Math.Sqrt(2.0 / (t.numel() / t.shape[0]));
        using var _ = torch.no_grad();
        t.copy_(v);
    }

    public static IEnumerable<object[]> Cases() =>
        LoadCases().Select(c => new object[] { c.GetProperty("name").GetString()!, c.GetProperty("low_res_stem").GetBoolean() });

    [Theory]
    [MemberData(nameof(Cases))]
    public void State_dict_keys_and_shapes_match_torchvision(string name, bool lowRes)
    {
        var c = LoadCases().Single(x => x.GetProperty("name").GetString() == name && x.GetProperty("low_res_stem").GetBoolean() == lowRes);
        using var model = Build(name, c.GetProperty("in_channels").GetInt32(), lowRes);
        var ours = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = c.GetProperty("state_dict").EnumerateArray()
            .ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray());
        var missing = expected.Keys.Except(ours.Keys).ToList();
        var extra = ours.Keys.Except(expected.Keys).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"missing: [{string.Join(", ", missing.Take(10))}] extra: [{string.Join(", ", extra.Take(10))}]");
        foreach (var (k, shape) in expected)
            Assert.True(shape.SequenceEqual(ours[k]), $"{k}: torchvision [{string.Join(", ", shape)}], ours [{string.Join(", ", ours[k])}]");
    }

    [Theory]
    [InlineData("resnet18", false)]
    [InlineData("resnet18", true)]
    [InlineData("resnet50", false)]
    public void Forward_matches_torchvision_with_the_same_weights(string name, bool lowRes)
    {
        var c = LoadCases().Single(x => x.GetProperty("name").GetString() == name && x.GetProperty("low_res_stem").GetBoolean() == lowRes);
        int ch = c.GetProperty("in_channels").GetInt32(), size = c.GetProperty("size").GetInt32();
        var expected = c.GetProperty("features").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        using var model = Build(name, ch, lowRes);
        model.to(ScalarType.Float64);
        foreach (var (k, t) in model.state_dict())
            if (!k.EndsWith("num_batches_tracked", StringComparison.Ordinal)) Fill(k, t);
        model.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.sin(torch.arange(2L * ch * size * size, dtype: ScalarType.Float64) * 0.1).reshape(2, ch, size, size);
        var y = model.call(x);
        Assert.Equal(new long[] { 2, model.FeatureDim }, y.shape);
        var actual = y.flatten().data<double>().ToArray();
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 * scale + 1e-12, $"feature {i}: torchvision {expected[i]:R}, ours {actual[i]:R}");
    }

    [Fact]
    public void ResNet18_low_res_on_28x28_grayscale_gives_512_features()
    {
        using var model = ResNet.ResNet18(inChannels: 1, lowResStem: true);
        using var scope = torch.NewDisposeScope();
        var y = model.call(torch.randn(2, 1, 28, 28));
        Assert.Equal(512, model.FeatureDim);
        Assert.Equal(1, model.InputChannels);
        Assert.Equal(new long[] { 2, 512 }, y.shape);
        Assert.True(y.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData(true, null, false)]
    [InlineData(false, null, true)]
    [InlineData(true, true, true)]
    public void Stem_max_pool_follows_the_stem_unless_asked(bool lowRes, bool? maxPool, bool expected)
    {
        using var model = ResNet.ResNet18(inChannels: 1, lowResStem: lowRes, widthMultiplier: 0.125, stemMaxPool: maxPool);
        Assert.Equal(expected, model.StemMaxPool);
        var pool = model.named_children().Single(c => c.name == "maxpool").module;
        Assert.Equal(expected, pool is TorchSharp.Modules.MaxPool2d);
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new long[] { 2, 64 }, model.call(torch.randn(2, 1, 28, 28)).shape);
    }

    [Fact]
    public void ResNet50_on_64x64_rgb_gives_2048_features()
    {
        using var model = ResNet.ResNet50();
        using var scope = torch.NewDisposeScope();
        var y = model.call(torch.randn(2, 3, 64, 64));
        Assert.Equal(2048, model.FeatureDim);
        Assert.Equal(new long[] { 2, 2048 }, y.shape);
    }

    [Theory]
    [InlineData(0.25, false, 128)]
    [InlineData(0.5, false, 256)]
    [InlineData(2.0, false, 1024)]
    [InlineData(0.125, true, 256)]
    public void Width_multiplier_scales_the_feature_width(double w, bool bottleneck, int expected)
    {
        using var model = bottleneck ? ResNet.ResNet50(widthMultiplier: w) : ResNet.ResNet18(widthMultiplier: w);
        Assert.Equal(expected, model.FeatureDim);
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new long[] { 2, expected }, model.call(torch.randn(2, 3, 32, 32)).shape);
    }

    [Fact]
    public void Wrong_channel_count_fails_with_a_clear_message()
    {
        using var model = ResNet.ResNet18(inChannels: 3, lowResStem: true, widthMultiplier: 0.125);
        using var scope = torch.NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => model.call(torch.randn(2, 1, 28, 28)));
        Assert.Contains("[N, 3, H, W]", ex.Message);
        Assert.Contains("[2, 1, 28, 28]", ex.Message);
        Assert.Throws<ArgumentException>(() => model.call(torch.randn(3, 28, 28)));
    }

    [Fact]
    public void Bad_construction_arguments_fail()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ResNet.ResNet18(inChannels: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ResNet.ResNet18(widthMultiplier: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ResNet.ResNet18(widthMultiplier: 0.001));
        Assert.Throws<ArgumentException>(() => new ResNet(false, new[] { 2, 2, 2 }));
    }

    [Fact]
    public void Zero_init_residual_zeroes_the_last_bn_scale_of_each_branch()
    {
        using var plain = ResNet.ResNet18(widthMultiplier: 0.125);
        using var zeroed = ResNet.ResNet18(widthMultiplier: 0.125, zeroInitResidual: true);
        using var zeroed50 = ResNet.ResNet50(widthMultiplier: 0.125, zeroInitResidual: true);
        var p = plain.state_dict();
        var z = zeroed.state_dict();
        var z50 = zeroed50.state_dict();
        Assert.Equal(1f, p["layer1.0.bn2.weight"].min().item<float>());
        Assert.Equal(0f, z["layer1.0.bn2.weight"].abs().max().item<float>());
        Assert.Equal(0f, z["layer4.1.bn2.weight"].abs().max().item<float>());
        Assert.Equal(1f, z["layer4.1.bn1.weight"].min().item<float>());
        Assert.Equal(0f, z50["layer3.5.bn3.weight"].abs().max().item<float>());
        Assert.Equal(1f, z50["layer3.5.bn2.weight"].min().item<float>());
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_and_another_seed_does_not()
    {
        using var a = ResNet.ResNet18(widthMultiplier: 0.125, seed: 3);
        using var b = ResNet.ResNet18(widthMultiplier: 0.125, seed: 3);
        using var c = ResNet.ResNet18(widthMultiplier: 0.125, seed: 4);
        var sa = a.state_dict();
        var sb = b.state_dict();
        var sc = c.state_dict();
        Assert.True(sa["layer2.0.conv1.weight"].equal(sb["layer2.0.conv1.weight"]).all().item<bool>());
        Assert.True(sa["conv1.weight"].equal(sb["conv1.weight"]).all().item<bool>());
        Assert.False(sa["conv1.weight"].equal(sc["conv1.weight"]).all().item<bool>());
    }

    [Fact]
    public void Conv_init_is_kaiming_normal_fan_out()
    {
        using var model = ResNet.ResNet18(seed: 1);
        var w = model.state_dict()["layer3.0.conv2.weight"]; // [256, 256, 3, 3], fan_out 256*9
        double std = w.std().item<float>();
        Assert.InRange(std, Math.Sqrt(2.0 / (256 * 9)) * 0.97, Math.Sqrt(2.0 / (256 * 9)) * 1.03);
        Assert.InRange(w.mean().item<float>(), -0.001, 0.001);
    }

    [Fact]
    public void Gradients_reach_the_stem()
    {
        using var model = ResNet.ResNet18(inChannels: 1, lowResStem: true, widthMultiplier: 0.125);
        using var scope = torch.NewDisposeScope();
        model.call(torch.randn(4, 1, 16, 16)).pow(2).mean().backward();
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.isfinite().all().item<bool>(), name);
        }
        Assert.True(model.named_parameters().Single(np => np.name == "conv1.weight").parameter.grad!.abs().sum().item<float>() > 0);
    }
}
