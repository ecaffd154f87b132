using SslSharp.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>Test stand-in backbone: conv 3x3 -> BN -> ReLU -> global average pool, [N, 1, H, W] -> [N, Width].</summary>
internal sealed class StandInBackbone : Backbone
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    public StandInBackbone(int width = 8, int inChannels = 1) : base("StandInBackbone")
    {
        FeatureDim = width;
        InputChannels = inChannels;
        conv = nn.Conv2d(inChannels, width, 3, padding: 1);
        bn = nn.BatchNorm2d(width);
        RegisterComponents();
    }

    public override int FeatureDim { get; }

    public override int InputChannels { get; }

    public override Backbone CreateTwin() => new StandInBackbone(FeatureDim, InputChannels);

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        CheckInput(x);
        return bn.call(conv.call(x)).relu().mean(new long[] { 2, 3 }).MoveToOuterDisposeScope();
    }
}
