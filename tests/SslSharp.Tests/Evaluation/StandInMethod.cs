using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation;

/// <summary>Test stand-in SSL method that only exposes an encoder.</summary>
internal sealed class StandInMethod : SslMethod
{
    private readonly StandInBackbone encoder;

    public StandInMethod(StandInBackbone backbone) : base(nameof(StandInMethod))
    {
        encoder = backbone;
        RegisterComponents();
    }

    public override Backbone Encoder => encoder;

    public override StepOutput forward(ViewBatch views)
    {
        var f = encoder.call(views.Views[0]);
        return new StepOutput(f.pow(2).mean(), f);
    }
}
