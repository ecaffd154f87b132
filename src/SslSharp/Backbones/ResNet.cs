using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// ResNet-18/34/50 without the classifier: images <c>[N, C, H, W]</c> to globally average-pooled
/// features <c>[N, FeatureDim]</c> (512 x w for ResNet-18/34, 2048 x w for ResNet-50).
/// </summary>
/// <remarks>
/// <para>He et al., "Deep Residual Learning for Image Recognition" (CVPR 2016). The architecture,
/// initialisation (Kaiming-normal fan-out convs, BN scale 1 / shift 0, optional zero-init of the last
/// BN scale of every residual branch) and sub-module names follow torchvision
/// <c>torchvision/models/resnet.py</c>, so state-dict keys read <c>conv1.weight</c>, <c>bn1.running_mean</c>,
/// <c>layer1.0.conv1.weight</c>, <c>layer2.0.downsample.0.weight</c>, ... The classifier <c>fc</c> is removed.</para>
/// <para><b>Stems.</b> The ImageNet stem is a 7x7 stride-2 conv followed by a 3x3 stride-2 max-pool
/// (input reduced 4x before <c>layer1</c>). The low-resolution stem (<c>lowResStem: true</c>) is the
/// CIFAR stem of SimCLR (appendix B.9) and solo-learn: a 3x3 stride-1 conv and no max-pool
/// (<c>maxpool</c> is an identity). For 28x28 (Fashion-MNIST) or 32x32 (CIFAR) inputs use the low-res
/// stem: with the ImageNet stem a 28x28 image is 7x7 at <c>layer1</c> and 1x1 at <c>layer4</c>, which
/// loses most spatial detail; the low-res stem keeps 28x28 at <c>layer1</c> and 4x4 at <c>layer4</c> at
/// about 16x the compute.</para>
/// <para><b>Pooled low-res stem</b> (<c>stemMaxPool: true</c> with the low-res stem): the 3x3 stride-1
/// conv followed by the 3x3 stride-2 max-pool, so a 28x28 image is 14x14 at <c>layer1</c> and 2x2 at
/// <c>layer4</c> (the ImageNet ResNet's 56 -> 7 progression at a quarter of the side). It keeps the
/// first conv's full-resolution edges and costs about a quarter of the plain low-res stem.</para>
/// <para><b>Width multiplier.</b> Every stage width is scaled by <c>w</c> (64w, 128w, 256w, 512w
/// planes, rounded), as in SimCLR's ResNet-50 (2x)/(4x); the feature width scales with it.</para>
/// <para>Weights are drawn from a <see cref="Generator"/> seeded with <c>seed</c>: the same seed gives
/// the same network.</para>
/// </remarks>
public sealed class ResNet : Backbone
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly nn.Module<Tensor, Tensor> relu;
    private readonly nn.Module<Tensor, Tensor> maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly nn.Module<Tensor, Tensor> avgpool;

    /// <summary>Builds a ResNet from its block type and the number of blocks per stage.</summary>
    /// <param name="bottleneck">True for Bottleneck blocks (expansion 4, ResNet-50+), false for BasicBlock.</param>
    /// <param name="blocksPerStage">Blocks in each of the 4 stages (ResNet-18: 2,2,2,2; ResNet-34 and -50: 3,4,6,3).</param>
    /// <param name="inChannels">Image channels <c>C</c> (3 for RGB, 1 for grayscale).</param>
    /// <param name="lowResStem">True for the 3x3 stride-1 stem without max-pool (CIFAR / 28x28 inputs).</param>
    /// <param name="widthMultiplier">Scale of every stage width (1 = standard; must give at least 1 channel).</param>
    /// <param name="zeroInitResidual">Zero-initialise the last BN scale of every residual branch
    /// (Goyal et al. 2017; torchvision's <c>zero_init_residual</c>).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="name">Module name (e.g. "resnet18").</param>
    /// <param name="stemMaxPool">Whether the stem ends with the 3x3 stride-2 max-pool (null: the stem's own
    /// choice, yes for the ImageNet stem and no for the low-res stem).</param>
    /// <exception cref="ArgumentException">A size argument is out of range.</exception>
    public ResNet(bool bottleneck, IReadOnlyList<int> blocksPerStage, int inChannels = 3, bool lowResStem = false,
        double widthMultiplier = 1.0, bool zeroInitResidual = false, long seed = 0, string name = "resnet", bool? stemMaxPool = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(blocksPerStage);
        if (blocksPerStage.Count != 4 || blocksPerStage.Any(b => b < 1))
            throw new ArgumentException(
                $"A ResNet has 4 stages of at least one block each; got [{string.Join(", ", blocksPerStage)}].", nameof(blocksPerStage));
        if (inChannels < 1)
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "A ResNet needs at least one input channel.");
        if (!(widthMultiplier > 0) || double.IsInfinity(widthMultiplier) || Math.Round(64 * widthMultiplier) < 1)
            throw new ArgumentOutOfRangeException(nameof(widthMultiplier), widthMultiplier,
                "The width multiplier must be finite and large enough that 64 x w rounds to at least 1 channel (w >= 1/128).");

        InputChannels = inChannels;
        LowResStem = lowResStem;
        StemMaxPool = stemMaxPool ?? !lowResStem;
        WidthMultiplier = widthMultiplier;
        Bottleneck = bottleneck;
        ZeroInitResidual = zeroInitResidual;
        BlocksPerStage = blocksPerStage.ToArray();
        using var generator = new Generator((ulong)seed);

        int stemWidth = (int)Math.Round(64 * widthMultiplier);
        conv1 = lowResStem
            ? nn.Conv2d(inChannels, stemWidth, 3, stride: 1, padding: 1, bias: false)
            : nn.Conv2d(inChannels, stemWidth, 7, stride: 2, padding: 3, bias: false);
        WeightInit.KaimingNormalFanOut(conv1.weight!, generator);
        bn1 = nn.BatchNorm2d(stemWidth);
        WeightInit.BatchNorm(bn1);
        relu = nn.ReLU();
        maxpool = StemMaxPool ? nn.MaxPool2d(3, stride: 2, padding: 1) : nn.Identity();

        int inPlanes = stemWidth;
        var stages = new Sequential[4];
        for (int s = 0; s < 4; s++)
        {
            int planes = (int)Math.Round(64 * widthMultiplier) << s;
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int b = 0; b < blocksPerStage[s]; b++)
            {
                int stride = s > 0 && b == 0 ? 2 : 1;
                nn.Module<Tensor, Tensor> block = bottleneck
                    ? new ResNetBottleneck(inPlanes, planes, stride, zeroInitResidual, generator)
                    : new ResNetBasicBlock(inPlanes, planes, stride, zeroInitResidual, generator);
                blocks.Add((b.ToString(CultureInfo.InvariantCulture), block));
                inPlanes = planes * (bottleneck ? ResNetBottleneck.Expansion : ResNetBasicBlock.Expansion);
            }
            stages[s] = nn.Sequential(blocks.ToArray());
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        avgpool = nn.AdaptiveAvgPool2d(1);
        FeatureDim = inPlanes;

        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("relu", relu);
        register_module("maxpool", maxpool);
        register_module("layer1", layer1);
        register_module("layer2", layer2);
        register_module("layer3", layer3);
        register_module("layer4", layer4);
        register_module("avgpool", avgpool);
    }

    /// <inheritdoc />
    public override int FeatureDim { get; }

    /// <inheritdoc />
    public override int InputChannels { get; }

    /// <summary>True when the 3x3 stride-1 stem without max-pool is used.</summary>
    public bool LowResStem { get; }

    /// <summary>True when the stem ends with the 3x3 stride-2 max-pool.</summary>
    public bool StemMaxPool { get; }

    /// <summary>Scale of every stage width.</summary>
    public double WidthMultiplier { get; }

    /// <summary>Whether the last BN scale of every residual branch started at zero.</summary>
    public bool ZeroInitResidual { get; }

    /// <inheritdoc />
    public override Backbone CreateTwin() =>
        new ResNet(Bottleneck, BlocksPerStage, InputChannels, LowResStem, WidthMultiplier, ZeroInitResidual, 0, GetName(), StemMaxPool);

    /// <summary>True for Bottleneck blocks (ResNet-50), false for BasicBlocks (ResNet-18/34).</summary>
    public bool Bottleneck { get; }

    /// <summary>Blocks in each of the 4 stages.</summary>
    public IReadOnlyList<int> BlocksPerStage { get; }

    /// <summary>ResNet-18 (BasicBlock, 2-2-2-2): FeatureDim 512 x w.</summary>
    /// <param name="inChannels">Image channels.</param>
    /// <param name="lowResStem">3x3 stride-1 stem without max-pool, for 28x28-32x32 inputs.</param>
    /// <param name="widthMultiplier">Scale of every stage width.</param>
    /// <param name="zeroInitResidual">Zero-init the last BN scale of each residual branch.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="stemMaxPool">Max-pool after the stem (null: only with the ImageNet stem).</param>
    public static ResNet ResNet18(int inChannels = 3, bool lowResStem = false, double widthMultiplier = 1.0,
        bool zeroInitResidual = false, long seed = 0, bool? stemMaxPool = null) =>
        new(false, new[] { 2, 2, 2, 2 }, inChannels, lowResStem, widthMultiplier, zeroInitResidual, seed, "resnet18", stemMaxPool);

    /// <summary>ResNet-34 (BasicBlock, 3-4-6-3): FeatureDim 512 x w.</summary>
    /// <param name="inChannels">Image channels.</param>
    /// <param name="lowResStem">3x3 stride-1 stem without max-pool, for 28x28-32x32 inputs.</param>
    /// <param name="widthMultiplier">Scale of every stage width.</param>
    /// <param name="zeroInitResidual">Zero-init the last BN scale of each residual branch.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="stemMaxPool">Max-pool after the stem (null: only with the ImageNet stem).</param>
    public static ResNet ResNet34(int inChannels = 3, bool lowResStem = false, double widthMultiplier = 1.0,
        bool zeroInitResidual = false, long seed = 0, bool? stemMaxPool = null) =>
        new(false, new[] { 3, 4, 6, 3 }, inChannels, lowResStem, widthMultiplier, zeroInitResidual, seed, "resnet34", stemMaxPool);

    /// <summary>ResNet-50 (Bottleneck, 3-4-6-3, expansion 4): FeatureDim 2048 x w.</summary>
    /// <param name="inChannels">Image channels.</param>
    /// <param name="lowResStem">3x3 stride-1 stem without max-pool, for 28x28-32x32 inputs.</param>
    /// <param name="widthMultiplier">Scale of every stage width.</param>
    /// <param name="zeroInitResidual">Zero-init the last BN scale of each residual branch.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="stemMaxPool">Max-pool after the stem (null: only with the ImageNet stem).</param>
    public static ResNet ResNet50(int inChannels = 3, bool lowResStem = false, double widthMultiplier = 1.0,
        bool zeroInitResidual = false, long seed = 0, bool? stemMaxPool = null) =>
        new(true, new[] { 3, 4, 6, 3 }, inChannels, lowResStem, widthMultiplier, zeroInitResidual, seed, "resnet50", stemMaxPool);

    /// <summary>Computes features <c>[N, FeatureDim]</c> for images <c>[N, InputChannels, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">The images are not <c>[N, InputChannels, H, W]</c>.</exception>
    public override Tensor forward(Tensor images)
    {
        CheckInput(images);
        using var scope = torch.NewDisposeScope();
        var x = maxpool.call(relu.call(bn1.call(conv1.call(images))));
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        return avgpool.call(x).flatten(1).MoveToOuterDisposeScope();
    }
}
