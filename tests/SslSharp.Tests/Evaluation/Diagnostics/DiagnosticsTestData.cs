using SslSharp.Augment;
using SslSharp.Augment.Presets;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Diagnostics;

/// <summary>Small uint8 images with structure (a bright bar at a random row plus noise) and matching transforms.</summary>
internal static class DiagnosticsTestData
{
    public static Tensor Images(int n, int size = 12, ulong seed = 1)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(seed);
        var images = rand([n, 1, size, size], generator: g).mul(80);
        var rows = randint(0, size, [n], generator: g);
        for (int i = 0; i < n; i++) images[i, 0, rows[i].item<long>()] += 170;
        return images.to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    public static IViewGenerator Views(int size = 12) => SimCLRAugment.Create(size, 1, new[] { 0.4f }, new[] { 0.3f });

    public static IBatchTransform Eval() => SimCLRAugment.Eval(new[] { 0.4f }, new[] { 0.3f });
}
