using SslSharp.Backbones;
using SslSharp.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Decoder;

/// <summary>
/// A small convolutional decoder from features <c>[N, D]</c> to images <c>[N, C, H, W]</c>:
/// <c>Linear(D, c0 x 7 x 7) - ReLU</c>, then 2x up-sampling stages
/// <c>ConvTranspose2d(k 4, s 2, p 1) - BN - ReLU</c> while the map fits in the image
/// (7 - 14 - 28 for 28-px images), a bilinear resize to exactly <c>H x W</c> when the side is not
/// 7 x 2^k (32 px: 28 to 32), and a <c>3x3</c> convolution to <c>C</c> channels (no activation:
/// the targets are normalised pixels).
/// </summary>
/// <remarks>
/// The DCGAN-style generator layout (Radford et al., 2016) used for representation decoders in
/// Bordes et al. (2022); weights drawn with PyTorch's default initialisation from a generator
/// seeded with <c>seed</c>, so the same seed gives the same decoder.
/// </remarks>
public sealed class DecoderNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Side of the first feature map.</summary>
    public const int StartSide = 7;

    private readonly Linear fc;
    private readonly Sequential up;
    private readonly Conv2d output;
    private readonly int _startChannels;

    /// <summary>Creates the decoder.</summary>
    /// <param name="featureDim">Width <c>D</c> of the features it decodes.</param>
    /// <param name="channels">Image channels <c>C</c>.</param>
    /// <param name="height">Image height <c>H</c>.</param>
    /// <param name="width">Image width <c>W</c>.</param>
    /// <param name="baseChannels">Channels of the first 7x7 map, halved per stage down to 16.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public DecoderNetwork(int featureDim, int channels, int height, int width, int baseChannels = 64, long seed = 0)
        : base(nameof(DecoderNetwork))
    {
        if (featureDim < 1) throw new ArgumentOutOfRangeException(nameof(featureDim), featureDim, "featureDim must be at least 1.");
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be at least 1.");
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"The image size must be positive, got {height}x{width}.");
        if (baseChannels < 1) throw new ArgumentOutOfRangeException(nameof(baseChannels), baseChannels, "baseChannels must be at least 1.");
        Channels = channels;
        Height = height;
        Width = width;
        _startChannels = baseChannels;
        fc = nn.Linear(featureDim, baseChannels * StartSide * StartSide);
        var stages = new List<(string, nn.Module<Tensor, Tensor>)>();
        int side = StartSide, c = baseChannels, maxSide = Math.Max(height, width), stage = 0;
        while (side * 2 <= maxSide)
        {
            int next = Math.Max(16, c / 2);
            stages.Add(($"conv{stage}", nn.ConvTranspose2d(c, next, 4, stride: 2, padding: 1, bias: false)));
            stages.Add(($"bn{stage}", nn.BatchNorm2d(next)));
            stages.Add(($"relu{stage}", nn.ReLU()));
            side *= 2;
            c = next;
            stage++;
        }
        MapSide = side;
        up = nn.Sequential(stages);
        output = nn.Conv2d(c, channels, 3, padding: 1);
        RegisterComponents();

        using var generator = new Generator((ulong)seed);
        foreach (var m in modules())
        {
            if (m is Linear l) WeightInit.TorchDefault(l.weight!, l.bias, generator);
            else if (m is Conv2d conv) WeightInit.TorchDefault(conv.weight!, conv.bias, generator);
            else if (m is ConvTranspose2d t) WeightInit.TorchDefault(t.weight!, t.bias, generator);
        }
    }

    /// <summary>Image channels <c>C</c> of the output.</summary>
    public int Channels { get; }

    /// <summary>Image height <c>H</c> of the output.</summary>
    public int Height { get; }

    /// <summary>Image width <c>W</c> of the output.</summary>
    public int Width { get; }

    /// <summary>Side of the last up-sampled map before the resize to <c>H x W</c> (7 x 2^stages).</summary>
    public int MapSide { get; }

    /// <summary>Decodes features <c>[N, D]</c> to images <c>[N, C, H, W]</c> (normalised pixel space).</summary>
    public override Tensor forward(Tensor features)
    {
        if (features.dim() != 2 || features.shape[1] != fc.in_features)
            throw new ArgumentException(
                $"The decoder expects features [N, {fc.in_features}] but got [{string.Join(", ", features.shape)}].", nameof(features));
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(fc.call(features)).view(-1, _startChannels, StartSide, StartSide);
        x = up.call(x);
        if (x.shape[2] != Height || x.shape[3] != Width)
            x = nn.functional.interpolate(x, new long[] { Height, Width }, mode: InterpolationMode.Bilinear, align_corners: false);
        return output.call(x).MoveToOuterDisposeScope();
    }
}
