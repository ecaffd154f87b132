using SslSharp.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation;

/// <summary>Test stand-in: flatten -> Linear -> BatchNorm1d, recording the train flag seen in each forward.</summary>
internal sealed class StandInBackbone : Backbone
{
    private readonly Linear fc;
    private readonly BatchNorm1d bn;
    private readonly int _featureDim, _channels, _height, _width;

    public StandInBackbone(int channels, int height, int width, int featureDim, long seed = 0) : base(nameof(StandInBackbone))
    {
        _featureDim = featureDim;
        _channels = channels;
        (_height, _width) = (height, width);
        int fanIn = channels * height * width;
        fc = nn.Linear(fanIn, featureDim);
        bn = nn.BatchNorm1d(featureDim);
        // Own generator, not torch.random.manual_seed: tests running in parallel draw from the global one.
        using (var generator = new Generator((ulong)seed))
        using (torch.no_grad())
        {
            double bound = 1 / Math.Sqrt(fanIn);
            fc.weight!.copy_(torch.rand(fc.weight.shape, generator: generator).mul_(2 * bound).sub_(bound));
            fc.bias!.copy_(torch.rand(fc.bias.shape, generator: generator).mul_(2 * bound).sub_(bound));
        }
        RegisterComponents();
    }

    public override int FeatureDim => _featureDim;

    public override int InputChannels => _channels;

    public BatchNorm1d Norm => bn;

    public override Backbone CreateTwin() => new StandInBackbone(_channels, _height, _width, _featureDim);

    public List<bool> SeenTraining { get; } = [];

    public List<bool> SeenGradEnabled { get; } = [];

    public override Tensor forward(Tensor images)
    {
        CheckInput(images);
        SeenTraining.Add(training);
        SeenGradEnabled.Add(torch.is_grad_enabled());
        return bn.call(fc.call(images.flatten(1)));
    }
}
