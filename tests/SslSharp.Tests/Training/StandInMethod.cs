using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>
/// Test stand-in SSL method (not a real method): backbone + linear projector, loss = MSE between the
/// two views' embeddings + a VICReg-style hinge on the per-dimension std (keeps it from collapsing).
/// Has BN buffers and an extra registered buffer (a step counter) so checkpoints cover buffers.
/// </summary>
internal sealed class StandInMethod : SslMethod
{
    private readonly StandInBackbone backbone;
    private readonly Linear projector;
    private readonly Tensor hook_calls;

    public StandInMethod(int width = 8, int embed = 6, long seed = 1) : base("StandIn")
    {
        torch.manual_seed(seed);
        backbone = new StandInBackbone(width);
        projector = nn.Linear(width, embed);
        hook_calls = torch.zeros(1, dtype: ScalarType.Int64);
        RegisterComponents();
    }

    /// <summary>Replaces the default parameter groups when set.</summary>
    public Func<StandInMethod, IReadOnlyList<SslSharp.Core.ParameterGroup>>? GroupsOverride { get; set; }

    /// <summary>Dropout rate on the features (draws from torch's global generator, so resume must restore it).</summary>
    public double Dropout { get; set; } = 0.1;

    public override IReadOnlyList<SslSharp.Core.ParameterGroup> ParameterGroups() =>
        GroupsOverride?.Invoke(this) ?? base.ParameterGroups();

    public Linear Projector => projector;

    /// <summary>Global step at which forward returns NaN (null: never).</summary>
    public long? NanAtStep { get; set; }

    private long _step;

    public override Backbone Encoder => backbone;

    public override void OnStepStart(TrainingProgress progress) => _step = progress.Step;

    public override void OnAfterOptimizerStep(TrainingProgress progress)
    {
        using var noGrad = torch.no_grad();
        hook_calls.add_(1);
    }

    public override StepOutput forward(ViewBatch views)
    {
        CheckViews(views);
        var f1 = backbone.call(views.Views[0]);
        var z1 = projector.call(nn.functional.dropout(f1, Dropout, training));
        var z2 = projector.call(nn.functional.dropout(backbone.call(views.Views[1]), Dropout, training));
        var invariance = (z1 - z2).pow(2).mean();
        var std1 = (z1.var(0) + 1e-4).sqrt();
        var std2 = (z2.var(0) + 1e-4).sqrt();
        var variance = (1 - std1).relu().mean() + (1 - std2).relu().mean();
        var loss = invariance + variance;
        if (NanAtStep == _step) loss = loss * double.NaN;
        return new StepOutput(loss, f1.detach(), z1.detach());
    }
}
