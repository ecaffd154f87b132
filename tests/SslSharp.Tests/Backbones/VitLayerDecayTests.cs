using SslSharp.Backbones;
using SslSharp.Core;

namespace SslSharp.Tests.Backbones;

public class VitLayerDecayTests
{
    private static string[] Block(int i, bool weights) => weights
        ? new[] { "attn.qkv.weight", "attn.proj.weight", "mlp.fc1.weight", "mlp.fc2.weight" }.Select(n => $"blocks.{i}.{n}").ToArray()
        : new[] { "norm1.weight", "norm1.bias", "attn.qkv.bias", "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc1.bias", "mlp.fc2.bias" }
            .Select(n => $"blocks.{i}.{n}").ToArray();

    [Fact]
    public void Every_group_of_a_two_block_ViT_has_the_BEiT_scale_and_the_decay_split()
    {
        using var vit = new VisionTransformer(new VisionTransformerOptions { ImageSize = 28, PatchSize = 7, InChannels = 1, Dim = 16, Depth = 2, Heads = 2 });
        var groups = ParameterGroups.LayerDecay(vit, 0.5, "backbone.");
        var names = vit.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);

        // (name, lr scale = 0.5^(L + 1 - id) with L = 2, weight decay, parameters)
        var expected = new (string Name, double Scale, bool Decay, string[] Params)[]
        {
            ("backbone.layer0.weights", 0.125, true, new[] { "patch_embed.proj.weight" }),
            ("backbone.layer0.bias_norm", 0.125, false, new[] { "cls_token", "patch_embed.proj.bias" }),
            ("backbone.layer1.weights", 0.25, true, Block(0, true)),
            ("backbone.layer1.bias_norm", 0.25, false, Block(0, false)),
            ("backbone.layer2.weights", 0.5, true, Block(1, true)),
            ("backbone.layer2.bias_norm", 0.5, false, Block(1, false)),
            ("backbone.layer3.bias_norm", 1.0, false, new[] { "norm.weight", "norm.bias" }),
        };
        Assert.Equal(expected.Select(e => e.Name), groups.Select(g => g.Name));
        foreach (var (e, g) in expected.Zip(groups))
        {
            Assert.Equal(e.Scale, g.LrScale, 12);
            Assert.Equal(e.Decay, g.WeightDecay);
            Assert.Equal(e.Decay, g.LarsAdaptation);
            Assert.Equal(e.Params.Order(), g.Parameters.Select(p => names[p.Handle]).Order());
        }
        Assert.Equal(vit.parameters().Count(), groups.Sum(g => g.Parameters.Count));
    }

    [Fact]
    public void Frozen_patch_projection_is_left_out_and_a_bad_decay_is_refused()
    {
        using var vit = new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 28, PatchSize = 7, InChannels = 1, Dim = 16, Depth = 2, Heads = 2, FrozenPatchProjection = true,
        });
        var groups = ParameterGroups.LayerDecay(vit, 0.65);
        Assert.Equal(new[] { "cls_token" }, groups[0].Parameters.Select(p => vit.named_parameters().Single(n => n.parameter.Handle == p.Handle).name));
        Assert.Equal(Math.Pow(0.65, 3), groups[0].LrScale, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterGroups.LayerDecay(vit, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterGroups.LayerDecay(vit, 1.5));
    }
}
