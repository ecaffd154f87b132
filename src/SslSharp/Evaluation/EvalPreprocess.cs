using SslSharp.Augment;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation;

/// <summary>Turns an eval <see cref="IBatchTransform"/> into the batch preprocessing the evaluations take.</summary>
public static class EvalPreprocess
{
    /// <summary>
    /// A function applying <paramref name="transform"/> to a float batch in [0, 1], with a fresh
    /// generator seeded by <paramref name="seed"/> per batch (eval transforms normally draw nothing, so
    /// this only pins down transforms that do).
    /// </summary>
    public static Func<Tensor, Tensor> From(IBatchTransform transform, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return batch =>
        {
            using var generator = new Generator((ulong)seed);
            return transform.Apply(batch, generator);
        };
    }
}
