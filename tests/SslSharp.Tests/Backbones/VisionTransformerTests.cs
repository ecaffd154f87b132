using System.Text.Json;
using SslSharp.Backbones;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Backbones;

public class VisionTransformerTests
{
    private static List<JsonElement> LoadCases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "vit.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static IEnumerable<object[]> CaseNames() => LoadCases().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => LoadCases().Single(c => c.GetProperty("name").GetString() == name);

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static VisionTransformerOptions OptionsOf(JsonElement c, VitPooling pooling = VitPooling.Cls) => new()
    {
        ImageSize = c.GetProperty("image_size").GetInt32(),
        PatchSize = c.GetProperty("patch_size").GetInt32(),
        InChannels = c.GetProperty("in_channels").GetInt32(),
        Dim = c.GetProperty("dim").GetInt32(),
        Depth = c.GetProperty("depth").GetInt32(),
        Heads = c.GetProperty("heads").GetInt32(),
        MlpRatio = c.GetProperty("mlp_ratio").GetDouble(),
        QkvBias = c.GetProperty("qkv_bias").GetBoolean(),
        LayerScaleInit = c.GetProperty("layer_scale").GetBoolean() ? 0.1 : null,
        Pooling = pooling,
    };

    /// <summary>The fixture's ViT in float64, eval mode, with the script's weights loaded by name.</summary>
    private static VisionTransformer Load(JsonElement c, VitPooling pooling = VitPooling.Cls)
    {
        var vit = new VisionTransformer(OptionsOf(c, pooling), seed: 1);
        vit.to(ScalarType.Float64);
        var sd = vit.state_dict();
        using var noGrad = torch.no_grad();
        foreach (var w in c.GetProperty("weights").EnumerateObject())
        {
            Assert.True(sd.ContainsKey(w.Name), $"our ViT has no parameter '{w.Name}'");
            var values = Doubles(w.Value.GetProperty("values"));
            using var t = torch.tensor(values, dtype: ScalarType.Float64).reshape(sd[w.Name].shape);
            sd[w.Name].copy_(t);
        }
        vit.eval();
        return vit;
    }

    private static Tensor Input(JsonElement c)
    {
        long n = c.GetProperty("batch").GetInt32(), ch = c.GetProperty("in_channels").GetInt32(), s = c.GetProperty("image_size").GetInt32();
        return (torch.arange(n * ch * s * s, dtype: ScalarType.Float64) * 0.1 + 0.3).sin().reshape(n, ch, s, s);
    }

    private static void AssertClose(double[] expected, Tensor actual, string what)
    {
        var got = actual.to(ScalarType.Float64).flatten().data<double>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        double worst = expected.Zip(got, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < 1e-5, $"{what}: largest difference {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void State_dict_holds_the_reference_names_and_shapes(string name)
    {
        var c = Case(name);
        using var vit = new VisionTransformer(OptionsOf(c));
        var ours = vit.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = c.GetProperty("weights").EnumerateObject()
            .ToDictionary(w => w.Name, w => w.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray());
        expected["pos_embed"] = new long[] { 1, 1 + vit.NumPatches, vit.TokenDim };
        Assert.Equal(expected.Keys.Order(), ours.Keys.Order());
        foreach (var (k, shape) in expected) Assert.Equal(shape, ours[k]);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Sin_cos_positions_match_the_reference(string name)
    {
        var c = Case(name);
        using var vit = new VisionTransformer(OptionsOf(c));
        AssertClose(Doubles(c.GetProperty("pos_embed")), vit.PositionEmbedding, "pos_embed");
        Assert.False(vit.parameters().Any(p => p.shape.SequenceEqual(vit.PositionEmbedding.shape)), "the positions must not be trainable");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Pooled_features_and_tokens_match_the_reference(string name)
    {
        var c = Case(name);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = Input(c);
        using (var cls = Load(c, VitPooling.Cls))
        {
            var f = cls.call(x);
            Assert.Equal(new long[] { x.shape[0], cls.FeatureDim }, f.shape);
            AssertClose(Doubles(c.GetProperty("cls")), f, "CLS feature");
            var tokens = cls.EncodeTokens(x);
            Assert.Equal(new long[] { x.shape[0], 1 + cls.NumPatches, cls.TokenDim }, tokens.shape);
            AssertClose(Doubles(c.GetProperty("tokens")), tokens, "all tokens");
        }
        using var mean = Load(c, VitPooling.Mean);
        AssertClose(Doubles(c.GetProperty("mean")), mean.call(x), "mean-pooled feature");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Encoding_a_kept_subset_per_image_matches_the_reference(string name)
    {
        var c = Case(name);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var vit = Load(c);
        var keepRows = c.GetProperty("keep").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
        Assert.NotEqual(keepRows[0], keepRows[1]);
        var keep = torch.tensor(keepRows.SelectMany(r => r).ToArray()).reshape(keepRows.Length, keepRows[0].Length);
        var tokens = vit.EncodeTokens(Input(c), keep);
        Assert.Equal(new long[] { keepRows.Length, 1 + keepRows[0].Length, vit.TokenDim }, tokens.shape);
        AssertClose(Doubles(c.GetProperty("kept_tokens")), tokens, "kept tokens");
    }

    private static VisionTransformerOptions Tiny(int image = 28, int patch = 7, int channels = 1) => new()
    {
        ImageSize = image, PatchSize = patch, InChannels = channels, Dim = 16, Depth = 2, Heads = 2, MlpRatio = 2,
    };

    [Fact]
    public void Wrong_image_size_or_channels_fail_with_one_clear_message()
    {
        using var vit = new VisionTransformer(Tiny());
        using var scope = torch.NewDisposeScope();
        var ch = Assert.Throws<ArgumentException>(() => vit.call(torch.zeros(2, 3, 28, 28)));
        Assert.Contains("[N, 1, H, W]", ch.Message);
        var size = Assert.Throws<ArgumentException>(() => vit.call(torch.zeros(2, 1, 30, 30)));
        Assert.Contains("multiples of the patch size 7", size.Message);
        var tokens = Assert.Throws<ArgumentException>(() => vit.EncodeTokens(torch.zeros(2, 1, 14, 14)));
        Assert.Contains("28x28", tokens.Message);
        var keep = Assert.Throws<ArgumentException>(() => vit.EncodeTokens(torch.zeros(2, 1, 28, 28), torch.zeros(2, 4, dtype: ScalarType.Int32)));
        Assert.Contains("int64", keep.Message);
        var build = Assert.Throws<ArgumentException>(() => new VisionTransformer(Tiny(image: 30, patch: 4)));
        Assert.Contains("multiple of 4", build.Message);
    }

    [Fact]
    public void Other_image_sizes_that_divide_by_the_patch_work_in_forward()
    {
        using var vit = new VisionTransformer(Tiny(28, 4));
        vit.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var local = vit.call(torch.rand(3, 1, 12, 12, generator: new Generator(1)));
        Assert.Equal(new long[] { 3, 16 }, local.shape);
        Assert.True(local.isfinite().all().ToBoolean());
    }

    [Fact]
    public void Initialisation_is_seeded_and_follows_MAE()
    {
        using var a = new VisionTransformer(Tiny(32, 4, 3) with { Dim = 64, Heads = 4 }, seed: 5);
        using var b = new VisionTransformer(Tiny(32, 4, 3) with { Dim = 64, Heads = 4 }, seed: 5);
        using var other = new VisionTransformer(Tiny(32, 4, 3) with { Dim = 64, Heads = 4 }, seed: 6);
        var sa = a.state_dict();
        foreach (var (k, t) in b.state_dict()) Assert.True(t.Same(sa[k]), $"{k} differs for the same seed");
        Assert.False(other.state_dict()["blocks.0.attn.qkv.weight"].Same(sa["blocks.0.attn.qkv.weight"]));
        double qkvBound = Math.Sqrt(6.0 / (64 + 192));
        Assert.True(sa["blocks.0.attn.qkv.weight"].abs().max().ToDouble() <= qkvBound);
        Assert.True(sa["blocks.0.attn.qkv.weight"].abs().max().ToDouble() > 0.9 * qkvBound);
        Assert.Equal(0, sa["blocks.1.mlp.fc1.bias"].abs().max().ToDouble());
        double patchBound = Math.Sqrt(6.0 / (3 * 16 + 64));
        Assert.True(sa["patch_embed.proj.weight"].abs().max().ToDouble() <= patchBound);
        double clsStd = sa["cls_token"].std().ToDouble();
        Assert.InRange(clsStd, 0.012, 0.03);
    }

    [Fact]
    public void Drop_path_is_reproducible_per_step_and_off_in_eval()
    {
        using var vit = new VisionTransformer(Tiny() with { DropPathRate = 0.5, Depth = 4 }, seed: 3);
        Assert.Equal(new[] { 0.0, 0.5 / 3, 1.0 / 3, 0.5 }, vit.Blocks.Select(BlockRate).ToArray(), new ToleranceComparer(1e-12));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.rand(8, 1, 28, 28, generator: new Generator(2));
        vit.train();
        vit.Reseed(10);
        var first = vit.call(x);
        vit.Reseed(10);
        var again = vit.call(x);
        vit.Reseed(11);
        var next = vit.call(x);
        Assert.True(first.Same(again), "the same step must drop the same paths");
        Assert.False(first.Same(next), "another step must drop other paths");
        vit.eval();
        var e1 = vit.call(x);
        vit.Reseed(99);
        Assert.True(e1.Same(vit.call(x)), "evaluation must not drop paths");
    }

    private static double BlockRate(VitBlock block) =>
        block.named_modules().Select(m => m.module).OfType<DropPath>().Single().Rate;

    private sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tol;
        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void Frozen_patch_projection_takes_no_gradient_and_the_twin_has_the_same_shape_without_drop_path()
    {
        using var vit = new VisionTransformer(Tiny() with { FrozenPatchProjection = true, LayerScaleInit = 0.1, DropPathRate = 0.2 });
        Assert.All(vit.named_parameters().Where(p => p.name.StartsWith("patch_embed.", StringComparison.Ordinal)), p => Assert.False(p.parameter.requires_grad));
        Assert.Contains(vit.named_parameters(), p => p.name == "blocks.1.ls2.gamma" && p.parameter.requires_grad);
        using var twin = (VisionTransformer)vit.CreateTwin();
        Assert.Equal(vit.Options with { DropPathRate = 0 }, twin.Options); // a teacher without stochastic depth
        Assert.Equal(vit.state_dict().Keys, twin.state_dict().Keys);
    }

    [Fact]
    public void Positions_cls_token_norms_and_biases_take_no_weight_decay()
    {
        using var vit = new VisionTransformer(Tiny() with { LayerScaleInit = 0.1 });
        var groups = ParameterGroups.SplitDecay(vit);
        var names = vit.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        var decay = groups.Single(g => g.WeightDecay).Parameters.Select(p => names[p.Handle]).ToList();
        var noDecay = groups.Single(g => !g.WeightDecay).Parameters.Select(p => names[p.Handle]).ToList();
        Assert.Contains("cls_token", noDecay);
        Assert.Contains("norm.weight", noDecay);
        Assert.Contains("blocks.0.attn.qkv.bias", noDecay);
        Assert.All(decay, n => Assert.EndsWith(".weight", n));
        Assert.Equal(new[] { "patch_embed.proj.weight", "blocks.0.attn.qkv.weight", "blocks.0.attn.proj.weight", "blocks.0.mlp.fc1.weight",
            "blocks.0.mlp.fc2.weight", "blocks.1.attn.qkv.weight", "blocks.1.attn.proj.weight", "blocks.1.mlp.fc1.weight", "blocks.1.mlp.fc2.weight" }, decay);
    }
}
