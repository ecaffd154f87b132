using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>
/// Test method that writes its hooks into a shared log (with a <see cref="RecordingProcessGroup"/> the log shows
/// where the trainer's gradient all-reduce falls) and, when asked, returns <see cref="StepExtras"/>: a token mask
/// <c>[N, 4]</c>, a "reconstruction" <c>[N, 4, 2]</c> and a logged scalar. Loss as <see cref="StandInMethod"/>.
/// </summary>
internal sealed class HookRecordingMethod : SslMethod
{
    private readonly StandInBackbone backbone;
    private readonly Linear projector;

    public HookRecordingMethod(List<string> log, long seed = 1) : base("HookRecording")
    {
        Log = log;
        torch.manual_seed(seed);
        backbone = new StandInBackbone(8);
        projector = nn.Linear(8, 6);
        RegisterComponents();
    }

    public List<string> Log { get; }

    public bool ReturnExtras { get; set; }

    public Linear Projector => projector;

    public override Backbone Encoder => backbone;

    public override void OnStepStart(TrainingProgress progress) => Log.Add("step-start");

    public override void OnAfterBackward(TrainingProgress progress) => Log.Add("after-backward");

    public override void OnAfterOptimizerStep(TrainingProgress progress) => Log.Add("after-step");

    public override StepOutput forward(ViewBatch views)
    {
        Log.Add("forward");
        var f1 = backbone.call(views.Views[0]);
        var z1 = projector.call(f1);
        var z2 = projector.call(backbone.call(views.Views[1]));
        var invariance = (z1 - z2).pow(2).mean();
        var variance = (1 - (z1.var(0) + 1e-4).sqrt()).relu().mean() + (1 - (z2.var(0) + 1e-4).sqrt()).relu().mean();
        var output = new StepOutput(invariance + variance, f1.detach(), z1.detach());
        if (!ReturnExtras) return output;
        long n = views.BatchSize;
        return output with
        {
            Extras = new StepExtras
            {
                Mask = torch.tensor(new float[] { 0, 1, 1, 0 }).expand(n, 4),
                Reconstruction = z1.detach().narrow(1, 0, 2).unsqueeze(1).expand(n, 4, 2),
                Scalars = new Dictionary<string, Tensor> { ["invariance"] = invariance.detach() },
            },
        };
    }
}
