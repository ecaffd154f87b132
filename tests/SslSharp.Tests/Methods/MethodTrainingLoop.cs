using SslSharp.Core;
using SslSharp.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods;

/// <summary>The hand-written training loop of the method smoke tests: the trainer's hook order on synthetic images.</summary>
internal static class MethodTrainingLoop
{
    /// <summary>
    /// Trains <paramref name="method"/> for <paramref name="steps"/> steps on 64 random 1-channel images of side
    /// <paramref name="imageSize"/>, <paramref name="batch"/> per step, calling the hooks in the trainer's order
    /// (OnStepStart, forward, backward, OnAfterBackward, optimizer step, OnAfterOptimizerStep). Every loss,
    /// feature and final parameter must be finite. Returns the losses.
    /// </summary>
    public static List<float> Run(SslMethod method, int steps, Func<IEnumerable<Parameter>, torch.optim.Optimizer> optimizer,
        Func<Tensor, Generator, ViewBatch> makeViews, int imageSize, int batch, long stepsPerEpoch, long seed)
    {
        method.train();
        var g = new Generator((ulong)seed);
        using var images = torch.randn(new long[] { 64, 1, imageSize, imageSize }, generator: g);
        using var opt = optimizer(method.parameters().Where(p => p.requires_grad));
        var losses = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            var progress = new TrainingProgress(step, steps, (int)(step / stepsPerEpoch), stepsPerEpoch);
            var x = images.index_select(0, torch.randperm(64, generator: g).narrow(0, 0, batch));
            using var views = makeViews(x, g);
            method.OnStepStart(progress);
            opt.zero_grad();
            var output = method.call(views);
            output.Loss.backward();
            method.OnAfterBackward(progress);
            opt.step();
            method.OnAfterOptimizerStep(progress);
            float loss = output.Loss.item<float>();
            Assert.True(float.IsFinite(loss), $"step {step}: loss {loss}");
            Assert.True(output.Features.isfinite().all().item<bool>(), $"step {step}: non-finite features");
            losses.Add(loss);
        }
        foreach (var (name, p) in method.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"{name} became non-finite");
        return losses;
    }

    /// <summary>Losses as a short string for assertion messages.</summary>
    public static string Describe(IEnumerable<float> losses) =>
        string.Join(", ", losses.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)));
}
