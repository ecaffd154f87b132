using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>
/// Test method that records every <see cref="SslMethod.OnEpochStart"/> call (epoch, skipped batches,
/// step) and, when asked, has the trainer reset the optimizer state of its projector there.
/// Loss: MSE between the two views' embeddings plus a std hinge (as <see cref="StandInMethod"/>).
/// </summary>
internal sealed class EpochRecordingMethod : SslMethod
{
    private readonly StandInBackbone backbone;
    private readonly Linear projector;

    public EpochRecordingMethod(long seed = 1) : base("EpochRecording")
    {
        torch.manual_seed(seed);
        backbone = new StandInBackbone(8);
        projector = nn.Linear(8, 6);
        RegisterComponents();
    }

    public List<(int Epoch, long Skip, long Step)> Calls { get; } = new();

    public bool ResetProjector { get; set; }

    /// <summary>Runs at the end of every OnEpochStart (after the reset).</summary>
    public Action? AfterEpochStart { get; set; }

    public Linear Projector => projector;

    public override Backbone Encoder => backbone;

    public override void OnEpochStart(EpochContext context)
    {
        Calls.Add((context.Epoch, context.SkipBatches, context.Progress.Step));
        context.Log("epoch_start", context.Epoch);
        if (ResetProjector) context.ResetOptimizerState(projector.parameters());
        AfterEpochStart?.Invoke();
    }

    public override StepOutput forward(ViewBatch views)
    {
        var f1 = backbone.call(views.Views[0]);
        var z1 = projector.call(f1);
        var z2 = projector.call(backbone.call(views.Views[1]));
        var loss = (z1 - z2).pow(2).mean() + (1 - (z1.var(0) + 1e-4).sqrt()).relu().mean();
        return new StepOutput(loss, f1.detach(), z1.detach());
    }
}
