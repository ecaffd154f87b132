using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests;

/// <summary>Exact tensor equality for assertions (TorchSharp's <c>equal</c> is element-wise and returns a tensor).</summary>
internal static class TensorEquality
{
    /// <summary>Same shape and every element equal.</summary>
    public static bool Same(this Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.eq(b).all().ToBoolean();
}
