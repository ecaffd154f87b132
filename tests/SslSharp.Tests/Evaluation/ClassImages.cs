using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation;

/// <summary>A labelled toy image set for evaluation tests.</summary>
internal static class ClassImages
{
    /// <summary>uint8 images <c>[n, 1, 6, 6]</c> whose class c (of 6) lights up row c, plus noise; and their labels <c>[n]</c>.</summary>
    public static (Tensor Images, Tensor Labels) Make(int n, ulong seed)
    {
        var g = new Generator(seed);
        var labels = randint(0, 6, [n], generator: g);
        var images = rand([n, 1, 6, 6], generator: g).mul(60);
        for (int i = 0; i < n; i++)
            images[i, 0, labels[i].item<long>()] += 190;
        return (images.to(ScalarType.Byte), labels);
    }
}
