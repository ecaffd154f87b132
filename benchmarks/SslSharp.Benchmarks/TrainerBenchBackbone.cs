using SslSharp.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>Benchmark stand-in backbone: three strided conv-BN-ReLU blocks and global average pooling, [N, C, H, W] -> [N, 2*width].</summary>
public sealed class TrainerBenchBackbone : Backbone
{
    private readonly Sequential features;

    /// <summary>Creates the backbone.</summary>
    public TrainerBenchBackbone(int inChannels, int width) : base("TrainerBenchBackbone")
    {
        InputChannels = inChannels;
        Width = width;
        FeatureDim = 2 * width;
        features = nn.Sequential(
            nn.Conv2d(inChannels, width, 3, stride: 1, padding: 1, bias: false), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.Conv2d(2 * width, 2 * width, 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(2 * width), nn.ReLU());
        RegisterComponents();
    }

    /// <summary>Channels of the first block (the later blocks have twice as many).</summary>
    public int Width { get; }

    /// <inheritdoc />
    public override Backbone CreateTwin() => new TrainerBenchBackbone(InputChannels, Width);

    /// <inheritdoc />
    public override int FeatureDim { get; }

    /// <inheritdoc />
    public override int InputChannels { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        CheckInput(x);
        return features.call(x).mean(new long[] { 2, 3 });
    }
}
