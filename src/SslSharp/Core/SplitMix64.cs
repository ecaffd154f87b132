namespace SslSharp.Core;

/// <summary>
/// A tiny, fast, fully specified pseudo-random generator (SplitMix64) and seed-mixing helpers.
/// Used wherever a random choice must be reproducible across machines and library versions:
/// data-set splits, epoch permutations, and the per-batch seeds of the augmentation generators.
/// </summary>
/// <remarks>
/// SplitMix64 is the generator of Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators" (OOPSLA 2014), with the finaliser constants of Java's <c>SplittableRandom</c> and
/// Vigna's reference code (https://prng.di.unimi.it/splitmix64.c). Unlike <c>torch.randperm</c>,
/// its output does not depend on the libtorch version, so a held-out split made with seed 0 stays
/// the same split forever.
/// </remarks>
public sealed class SplitMix64
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;
    private const ulong SecondGamma = 0x3C6EF372FE94F82AUL; // 2 * GoldenGamma mod 2^64
    private ulong _state;

    /// <summary>Creates a generator whose first output is determined by <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>Returns the next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        _state += GoldenGamma;
        return Finalize(_state);
    }

    /// <summary>Returns a uniformly distributed integer in <c>[0, bound)</c>, without modulo bias.</summary>
    /// <param name="bound">Exclusive upper bound; must be positive.</param>
    public ulong NextBelow(ulong bound)
    {
        if (bound == 0) throw new ArgumentOutOfRangeException(nameof(bound), "The bound must be positive.");
        // Rejection sampling (Lemire's threshold): accept only the largest multiple of bound.
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold) return r % bound;
        }
    }

    /// <summary>The SplitMix64 finaliser: a bijective mixing of 64 bits (every input bit affects every output bit).</summary>
    public static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Mixes a seed and a sequence of integers (e.g. epoch, batch index) into one well-spread
    /// 64-bit seed. Different sequences give unrelated seeds; the order of the parts matters.
    /// </summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="parts">Further coordinates, e.g. <c>(stream id, epoch, batch)</c>.</param>
    public static ulong Mix(long seed, params ReadOnlySpan<long> parts)
    {
        ulong h = Finalize(unchecked((ulong)seed) + GoldenGamma);
        foreach (long p in parts)
            h = Finalize(h ^ Finalize(unchecked((ulong)p + SecondGamma)));
        return h;
    }

    /// <summary>
    /// A uniformly random permutation of <c>0 .. n-1</c> (Fisher-Yates shuffle driven by SplitMix64).
    /// </summary>
    /// <param name="n">Number of elements; must be non-negative.</param>
    /// <param name="seed">The 64-bit seed (e.g. from <see cref="Mix"/>).</param>
    /// <returns>An array of length <paramref name="n"/> holding each of <c>0 .. n-1</c> once.</returns>
    public static long[] Permutation(long n, ulong seed)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"The permutation length must be non-negative, got {n}.");
        var perm = new long[n];
        for (long i = 0; i < n; i++) perm[i] = i;
        var rng = new SplitMix64(seed);
        for (long i = n - 1; i > 0; i--)
        {
            long j = (long)rng.NextBelow((ulong)(i + 1));
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }
}
