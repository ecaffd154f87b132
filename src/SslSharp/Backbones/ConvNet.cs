using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// A small, fast convolutional backbone for tests, demos and small images: a stack of
/// <c>conv3x3 - BN - ReLU</c> blocks (default widths 32-64-128-256), a 2x2 max-pool after every block
/// but the last, then global average pooling to <c>[N, FeatureDim]</c> (FeatureDim = last width).
/// </summary>
/// <remarks>
/// <para>The classic "Conv-4" few-shot / small-image baseline (Vinyals et al. 2016; Snell et al. 2017)
/// with wider late layers. Pools use <c>ceil_mode</c>, so any input of at least 1x1 works
/// (28x28 -> 14 -> 7 -> 4 before the last block).</para>
/// <para>Cost at 28x28, width 1: about 12 M multiply-adds per image forward (a low-res ResNet-18 needs
/// ~35x more, an ImageNet-stem ResNet-18 ~2x more with 30x the parameters). Measured on the 2-core
/// build machine while other jobs shared it (load ~9): one SimCLR step on 256 pairs of 1x28x28 images
/// (forward, backward, SGD) took ~3 s at width 1 and ~1.7 s at width 0.5, against ~12 s for an
/// ImageNet-stem ResNet-18; on an idle machine expect roughly a quarter of that, i.e. ~20 s per epoch of
/// 8,000 images at width 1. <c>widthMultiplier: 0.5</c> roughly halves the time.</para>
/// <para>State-dict keys: <c>blocks.{i}.conv.weight</c>, <c>blocks.{i}.bn.*</c>. Convs are
/// Kaiming-normal (fan-out) initialised from a <see cref="Generator"/> seeded with <c>seed</c>.</para>
/// </remarks>
public sealed class ConvNet : Backbone
{
    private readonly Sequential blocks;
    private readonly nn.Module<Tensor, Tensor> avgpool;

    /// <summary>The default block widths, before the width multiplier.</summary>
    public static IReadOnlyList<int> DefaultWidths { get; } = new[] { 32, 64, 128, 256 };

    /// <summary>Creates the backbone.</summary>
    /// <param name="inChannels">Image channels <c>C</c>.</param>
    /// <param name="widths">Output channels of each block (default <see cref="DefaultWidths"/>); at least one block.</param>
    /// <param name="widthMultiplier">Scale of every width (rounded, at least 1 channel).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <exception cref="ArgumentException">A size argument is out of range.</exception>
    public ConvNet(int inChannels = 3, IReadOnlyList<int>? widths = null, double widthMultiplier = 1.0, long seed = 0)
        : base("convnet")
    {
        widths ??= DefaultWidths;
        if (inChannels < 1)
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "ConvNet needs at least one input channel.");
        if (widths.Count == 0 || widths.Any(w => w < 1))
            throw new ArgumentException($"ConvNet needs at least one block and positive widths; got [{string.Join(", ", widths)}].", nameof(widths));
        if (!(widthMultiplier > 0) || double.IsInfinity(widthMultiplier))
            throw new ArgumentOutOfRangeException(nameof(widthMultiplier), widthMultiplier, "The width multiplier must be a finite number > 0.");

        InputChannels = inChannels;
        Widths = widths.Select(w => Math.Max(1, (int)Math.Round(w * widthMultiplier))).ToArray();
        using var generator = new Generator((ulong)seed);

        var list = new List<(string, nn.Module<Tensor, Tensor>)>();
        int c = inChannels;
        for (int i = 0; i < Widths.Count; i++)
        {
            var conv = nn.Conv2d(c, Widths[i], 3, padding: 1, bias: false);
            var bn = nn.BatchNorm2d(Widths[i]);
            WeightInit.KaimingNormalFanOut(conv.weight!, generator);
            WeightInit.BatchNorm(bn);
            var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("conv", conv), ("bn", bn), ("relu", nn.ReLU()) };
            if (i < Widths.Count - 1) layers.Add(("pool", nn.MaxPool2d(2, stride: 2, ceil_mode: true)));
            list.Add((i.ToString(CultureInfo.InvariantCulture), nn.Sequential(layers.ToArray())));
            c = Widths[i];
        }
        blocks = nn.Sequential(list.ToArray());
        avgpool = nn.AdaptiveAvgPool2d(1);
        FeatureDim = c;
        register_module("blocks", blocks);
        register_module("avgpool", avgpool);
    }

    /// <inheritdoc />
    public override Backbone CreateTwin() => new ConvNet(InputChannels, Widths);

    /// <inheritdoc />
    public override int FeatureDim { get; }

    /// <inheritdoc />
    public override int InputChannels { get; }

    /// <summary>Output channels of each block, after the width multiplier.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>Computes features <c>[N, FeatureDim]</c> for images <c>[N, InputChannels, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">The images are not <c>[N, InputChannels, H, W]</c>.</exception>
    public override Tensor forward(Tensor images)
    {
        CheckInput(images);
        using var scope = torch.NewDisposeScope();
        return avgpool.call(blocks.call(images)).flatten(1).MoveToOuterDisposeScope();
    }
}
