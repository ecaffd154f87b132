using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules.Masking;

/// <summary>
/// The host-side seed of the block mask generators: one 63-bit draw from a <c>torch.Generator</c>, so a method that
/// re-seeds its generator every step (<c>StepSeededGenerator</c>) gets reproducible block masks without a second
/// source of randomness, while the many small rejection-sampling draws run on the host (<c>SplitMix64</c>).
/// </summary>
internal static class MaskSeed
{
    /// <summary>One draw of <paramref name="generator"/> as a 64-bit seed (advances the generator once).</summary>
    public static ulong From(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var draw = torch.randint(0, long.MaxValue, new long[] { 1 }, generator: generator, dtype: ScalarType.Int64);
        return unchecked((ulong)draw.item<long>());
    }

    /// <summary>A uniform double in <c>[0, 1)</c> from 53 random bits.</summary>
    public static double NextDouble(Core.SplitMix64 rng) => (rng.NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in <c>[low, high]</c> (both inclusive).</summary>
    public static int NextInclusive(Core.SplitMix64 rng, int low, int high) => low + (int)rng.NextBelow((ulong)(high - low + 1));
}
