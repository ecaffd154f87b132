using SslSharp.Core;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Core;

public sealed class ParameterGroupsTests
{
    /// <summary>A ViT-shaped stand-in: position embedding [1, 4, 8], CLS token [1, 1, 8], a linear layer, a per-block layer scale.</summary>
    private class TokenStandIn : nn.Module
    {
        private readonly Parameter pos_embed;
        private readonly Parameter cls_token;
        private readonly Linear proj;
        private readonly ModuleList<LayerScale> blocks;

        public TokenStandIn() : base("TokenStandIn")
        {
            pos_embed = nn.Parameter(torch.zeros(1, 4, 8));
            cls_token = nn.Parameter(torch.zeros(1, 1, 8));
            proj = nn.Linear(8, 8);
            blocks = nn.ModuleList(new LayerScale(), new LayerScale());
            RegisterComponents();
        }
    }

    private sealed class LayerScale : nn.Module
    {
        private readonly Parameter gamma;

        public LayerScale() : base("LayerScale")
        {
            gamma = nn.Parameter(torch.ones(1, 8));
            RegisterComponents();
        }
    }

    private sealed class DeclaringStandIn : TokenStandIn, INoWeightDecay
    {
        public IEnumerable<string> NoWeightDecayNames { get; set; } = new[] { "pos_embed", "cls_token" };
    }

    private sealed class Wrapper : nn.Module
    {
        private readonly Linear head;
        private readonly DeclaringStandIn encoder;

        public Wrapper(DeclaringStandIn inner) : base("Wrapper")
        {
            head = nn.Linear(8, 2);
            encoder = inner;
            RegisterComponents();
        }
    }

    private static string[] Names(nn.Module m, ParameterGroup g)
    {
        var byHandle = m.named_parameters().ToDictionary(np => np.parameter.Handle, np => np.name);
        return g.Parameters.Select(p => byHandle[p.Handle]).ToArray();
    }

    [Fact]
    public void Without_declared_names_only_parameters_of_one_dimension_are_excluded()
    {
        using var m = new TokenStandIn();
        var groups = ParameterGroups.SplitDecay(m);
        Assert.Equal(new[] { "weights", "bias_norm" }, groups.Select(g => g.Name));
        Assert.Equal(new[] { "pos_embed", "cls_token", "proj.weight", "blocks.0.gamma", "blocks.1.gamma" }, Names(m, groups[0]));
        Assert.Equal(new[] { "proj.bias" }, Names(m, groups[1]));
    }

    [Fact]
    public void Declared_names_join_the_no_decay_group_in_parameter_order()
    {
        using var m = new DeclaringStandIn();
        var groups = ParameterGroups.SplitDecay(m, "enc_");
        Assert.Equal(new[] { "enc_weights", "enc_bias_norm" }, groups.Select(g => g.Name));
        Assert.Equal(new[] { "proj.weight", "blocks.0.gamma", "blocks.1.gamma" }, Names(m, groups[0]));
        Assert.Equal(new[] { "pos_embed", "cls_token", "proj.bias" }, Names(m, groups[1]));
        Assert.True(groups[0].WeightDecay && groups[0].LarsAdaptation);
        Assert.False(groups[1].WeightDecay || groups[1].LarsAdaptation);
    }

    [Fact]
    public void Names_are_relative_to_the_declaring_sub_module_and_may_use_a_star()
    {
        using var inner = new DeclaringStandIn { NoWeightDecayNames = new[] { "pos_embed", "blocks.*.gamma" } };
        using var m = new Wrapper(inner);
        var groups = ParameterGroups.SplitDecay(m);
        Assert.Equal(new[] { "head.weight", "encoder.cls_token", "encoder.proj.weight" }, Names(m, groups[0]));
        Assert.Equal(new[] { "head.bias", "encoder.pos_embed", "encoder.proj.bias", "encoder.blocks.0.gamma", "encoder.blocks.1.gamma" },
            Names(m, groups[1]));
    }

    [Fact]
    public void Frozen_parameters_stay_out_and_an_empty_name_fails()
    {
        using var m = new DeclaringStandIn();
        foreach (var (name, p) in m.named_parameters())
            if (name == "pos_embed") p.requires_grad = false;
        Assert.Equal(new[] { "cls_token", "proj.bias" }, Names(m, ParameterGroups.SplitDecay(m)[1]));
        using var bad = new DeclaringStandIn { NoWeightDecayNames = new[] { " " } };
        Assert.Throws<ArgumentException>(() => ParameterGroups.SplitDecay(bad));
    }
}
