using TorchSharp;

namespace SslSharp.Augment.Functional;

/// <summary>
/// Long-lived <see cref="Scalar"/> constants for tensor ops.
/// </summary>
/// <remarks>
/// TorchSharp turns a C# number passed to an op into a temporary native <see cref="Scalar"/> that is
/// only freed by its finalizer; overloads without an explicit <c>alpha</c> (e.g.
/// <c>Tensor.add_(Tensor)</c>, <c>Tensor.sub(Tensor)</c>, the <c>-</c> operator) create one
/// internally. Seen here (TorchSharp 0.107): under GC pressure such a temporary can be finalized while
/// the native call still reads it ("Expected false to be true" from <c>c10::Scalar::toFloat</c>).
/// The augmentation hot paths therefore pass these static scalars, or scalars kept alive with
/// <c>using</c>, explicitly.
/// </remarks>
internal static class ScalarCache
{
    public static readonly Scalar Zero = 0.0, One = 1.0, Two = 2.0, Four = 4.0, Six = 6.0;
    public static readonly Scalar MinusHalf = -0.5, ByteMax = 255.0, Tiny = 1e-30;
    public static readonly Scalar LumaR = ColorFunctional.LumaR, LumaG = ColorFunctional.LumaG, LumaB = ColorFunctional.LumaB;
    public static readonly Scalar[] Steps = { 0L, 1L, 2L, 3L };

    /// <summary><c>1 - t</c> as a new tensor, without temporary scalars.</summary>
    public static TorchSharp.torch.Tensor OneMinus(TorchSharp.torch.Tensor t) => t.neg().add_(One, One);
}
