using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>
/// A SimCLR-shaped stand-in for benchmarks until the real <c>SimCLR</c> class is merged: a small
/// strided conv backbone (conv-BN-ReLU x3, global pool), a 2-layer MLP projector with BN, and the
/// NT-Xent loss (temperature 0.5) over the 2N views. Not a library type; swap in SimCLR through the
/// benchmarks' factory parameter.
/// </summary>
public sealed class TrainerBenchStandInMethod : SslMethod
{
    private readonly TrainerBenchBackbone backbone;
    private readonly Sequential projector;
    private readonly double _temperature;

    /// <summary>Creates the stand-in with weights drawn from <paramref name="seed"/>.</summary>
    public TrainerBenchStandInMethod(int inChannels = 3, int width = 32, int projDim = 64, double temperature = 0.5, long seed = 0)
        : base("TrainerBenchStandIn")
    {
        torch.manual_seed(seed);
        backbone = new TrainerBenchBackbone(inChannels, width);
        projector = nn.Sequential(
            nn.Linear(backbone.FeatureDim, 2 * projDim, hasBias: false),
            nn.BatchNorm1d(2 * projDim),
            nn.ReLU(),
            nn.Linear(2 * projDim, projDim));
        _temperature = temperature;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Backbone Encoder => backbone;

    /// <inheritdoc />
    public override StepOutput forward(ViewBatch views)
    {
        CheckViews(views);
        var feats = views.EncodeByResolution(x => backbone.call(x));
        var z1 = projector.call(feats[0]);
        var z2 = projector.call(feats[1]);
        long n = z1.shape[0];
        var z = nn.functional.normalize(torch.cat(new[] { z1, z2 }, 0), dim: 1);
        var sim = z.matmul(z.t()) / _temperature;
        using var eye = torch.eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        sim = sim.masked_fill(eye, double.NegativeInfinity);
        var targets = torch.cat(new[] { torch.arange(n, 2 * n, device: z.device), torch.arange(0, n, device: z.device) });
        var loss = nn.functional.cross_entropy(sim, targets);
        return new StepOutput(loss, feats[0].detach(), z1.detach());
    }
}
