using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// The bottleneck residual block of ResNet-50 (expansion 4):
/// <c>conv1x1 - BN - ReLU - conv3x3(stride) - BN - ReLU - conv1x1 - BN</c> plus the (projected)
/// identity, then ReLU.
/// </summary>
/// <remarks>
/// He et al., CVPR 2016; "ResNet v1.5" places the stride on the 3x3 conv, as torchvision
/// <c>torchvision/models/resnet.py</c> <c>Bottleneck</c> does; sub-module names follow it.
/// </remarks>
internal sealed class ResNetBottleneck : nn.Module<Tensor, Tensor>
{
    /// <summary>Output channels = planes x <see cref="Expansion"/>.</summary>
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly nn.Module<Tensor, Tensor> relu;
    private readonly Sequential? downsample;

    /// <summary>Creates the block; a 1x1 projection is added when stride or width changes.</summary>
    public ResNetBottleneck(int inPlanes, int planes, int stride, bool zeroInitResidual, Generator generator)
        : base("Bottleneck")
    {
        conv1 = nn.Conv2d(inPlanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * Expansion);
        relu = nn.ReLU();
        WeightInit.KaimingNormalFanOut(conv1.weight!, generator);
        WeightInit.KaimingNormalFanOut(conv2.weight!, generator);
        WeightInit.KaimingNormalFanOut(conv3.weight!, generator);
        WeightInit.BatchNorm(bn1);
        WeightInit.BatchNorm(bn2);
        WeightInit.BatchNorm(bn3, zeroInitResidual ? 0.0 : 1.0);
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
        register_module("conv3", conv3);
        register_module("bn3", bn3);
        register_module("relu", relu);
        if (stride != 1 || inPlanes != planes * Expansion)
        {
            var conv = nn.Conv2d(inPlanes, planes * Expansion, 1, stride: stride, bias: false);
            var bn = nn.BatchNorm2d(planes * Expansion);
            WeightInit.KaimingNormalFanOut(conv.weight!, generator);
            WeightInit.BatchNorm(bn);
            downsample = nn.Sequential(("0", conv), ("1", bn));
            register_module("downsample", downsample);
        }
    }

    /// <summary>Maps <c>[N, inPlanes, H, W]</c> to <c>[N, 4 planes, H/stride, W/stride]</c>.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var identity = downsample is null ? x : downsample.call(x);
        var y = relu.call(bn1.call(conv1.call(x)));
        y = relu.call(bn2.call(conv2.call(y)));
        y = bn3.call(conv3.call(y));
        return relu.call(y.add_(identity)).MoveToOuterDisposeScope();
    }
}
