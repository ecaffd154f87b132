using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// The two-conv residual block of ResNet-18/34 (expansion 1): <c>conv3x3 - BN - ReLU - conv3x3 - BN</c>
/// plus the (projected) identity, then ReLU.
/// </summary>
/// <remarks>
/// He et al., "Deep Residual Learning for Image Recognition" (CVPR 2016); layout and sub-module names
/// follow torchvision <c>torchvision/models/resnet.py</c> <c>BasicBlock</c> (<c>conv1</c>, <c>bn1</c>,
/// <c>conv2</c>, <c>bn2</c>, <c>downsample.0</c>, <c>downsample.1</c>).
/// </remarks>
internal sealed class ResNetBasicBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>Output channels = planes x <see cref="Expansion"/>.</summary>
    public const int Expansion = 1;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly nn.Module<Tensor, Tensor> relu;
    private readonly Sequential? downsample;

    /// <summary>Creates the block; a 1x1 projection is added when stride or width changes.</summary>
    public ResNetBasicBlock(int inPlanes, int planes, int stride, bool zeroInitResidual, Generator generator)
        : base("BasicBlock")
    {
        conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        relu = nn.ReLU();
        conv2 = nn.Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        WeightInit.KaimingNormalFanOut(conv1.weight!, generator);
        WeightInit.KaimingNormalFanOut(conv2.weight!, generator);
        WeightInit.BatchNorm(bn1);
        WeightInit.BatchNorm(bn2, zeroInitResidual ? 0.0 : 1.0);
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("relu", relu);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
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

    /// <summary>Maps <c>[N, inPlanes, H, W]</c> to <c>[N, planes, H/stride, W/stride]</c>.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var identity = downsample is null ? x : downsample.call(x);
        var y = relu.call(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        return relu.call(y.add_(identity)).MoveToOuterDisposeScope();
    }
}
