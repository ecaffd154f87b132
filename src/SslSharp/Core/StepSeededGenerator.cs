using static TorchSharp.torch;

namespace SslSharp.Core;

/// <summary>
/// A random generator for the draws a method makes inside its forward pass (W-MSE's sub-batch
/// permutations, random triplet negatives, MoCo v2's key shuffle), re-seeded from
/// (seed, stream, step) at every step, so a resumed run draws exactly what an uninterrupted one would
/// without the generator's state in the checkpoint.
/// </summary>
/// <remarks>Before the first <see cref="Reseed"/> the generator is seeded with <c>seed</c> itself, so a forward
/// pass outside the trainer is reproducible too.</remarks>
public sealed class StepSeededGenerator : IDisposable
{
    private readonly long seed;
    private readonly long stream;

    /// <param name="seed">The method's seed.</param>
    /// <param name="stream">A constant that tells this draw apart from the method's other seeded draws.</param>
    public StepSeededGenerator(long seed, long stream)
    {
        this.seed = seed;
        this.stream = stream;
        Generator = new Generator((ulong)seed);
    }

    /// <summary>The generator to pass to <c>randperm</c>, <c>randint</c>, ...</summary>
    public Generator Generator { get; }

    /// <summary>Re-seeds the generator for <paramref name="step"/> (call from <c>SslMethod.OnStepStart</c>).</summary>
    public void Reseed(long step) => Generator.manual_seed(unchecked((long)SplitMix64.Mix(seed, stream, step)));

    /// <summary>Frees the native generator.</summary>
    public void Dispose() => Generator.Dispose();
}
