using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Diagnostics;

/// <summary>
/// Test-only method that is forced to collapse: SimCLR's loss on embeddings
/// <c>z = (1 - s) P(h) + s c</c>, where <c>c</c> is a constant vector and <c>s</c> ramps from 0 to 1 over
/// the first half of training (<see cref="OnStepStart"/>), so the embeddings end up constant.
/// </summary>
internal sealed class CollapsingMethod : SslMethod
{
    private readonly ConvNet backbone;
    private readonly Linear projector;
    private double _s;

    public CollapsingMethod(long seed = 0) : base(nameof(CollapsingMethod))
    {
        backbone = new ConvNet(1, new[] { 8, 16 }, seed: seed);
        torch.random.manual_seed(seed);
        projector = nn.Linear(16, 16);
        RegisterComponents();
    }

    public override Backbone Encoder => backbone;

    /// <summary>The current mixing weight of the constant.</summary>
    public double Collapse => _s;

    public override void OnStepStart(TrainingProgress progress) =>
        _s = Math.Min(1.0, progress.Step / (0.5 * progress.TotalSteps));

    /// <summary><c>(1 - s) P(h) + s c</c>.</summary>
    public override Tensor? Embed(Tensor features) =>
        projector.call(features).mul(1 - _s) + full(16, 0.5f, device: features.device).mul(_s);

    public override StepOutput forward(ViewBatch views)
    {
        using var scope = NewDisposeScope();
        var h = backbone.call(cat(new[] { views.Views[0], views.Views[1] }, 0));
        var z = Embed(h)!;
        var (z1, z2) = (z.narrow(0, 0, views.BatchSize), z.narrow(0, views.BatchSize, views.BatchSize));
        var loss = NTXentLoss.Compute(z1, z2, 0.5);
        return new StepOutput(loss.MoveToOuterDisposeScope(), h.narrow(0, 0, views.BatchSize).detach().MoveToOuterDisposeScope(),
            z1.detach().MoveToOuterDisposeScope());
    }
}
