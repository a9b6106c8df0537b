using System.Runtime.CompilerServices;

namespace Hybrid.Kernel;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a 64-bit counter passed through a mixing function, held by the caller as
/// one <c>ulong</c> per stream. Every random draw of the library that is not a tensor initialiser comes from such a
/// stream started from an explicit seed: one per environment (a batch reset with seed s gives environment e the seed
/// s + e, so environment e draws exactly what a single environment with seed s + e draws), one per training copy for
/// action sampling and minibatch shuffling, one per bootstrap. A stream is a plain value, so checkpoints save it as
/// one number.
/// </summary>
public static class SplitMix64
{
    const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The starting state of a stream with seed <paramref name="seed"/>.</summary>
    public static ulong Start(ulong seed) => Mix(seed ^ 0x2545F4914F6CDD1DUL);

    /// <summary>Next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Next(ref ulong state)
    {
        state += Golden;
        return Mix(state);
    }

    /// <summary>Uniform integer in 0 .. n-1 (Lemire's multiply-shift; bias below 2^-32 for the small n used here).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Below(ref ulong state, int n) => (int)(((Next(ref state) >> 32) * (ulong)n) >> 32);

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Unit(ref ulong state) => (Next(ref state) >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double UnitDouble(ref ulong state) => (Next(ref state) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A standard normal draw (Box-Muller, one of the pair; two uniform draws).</summary>
    public static double StandardNormal(ref ulong state)
    {
        var u1 = 1 - UnitDouble(ref state); // (0, 1]: the logarithm stays finite
        var u2 = UnitDouble(ref state);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Writes a uniformly random permutation of 0..n-1 into <paramref name="result"/> (Fisher-Yates, drawing from <paramref name="state"/>).</summary>
    public static void Permutation(ref ulong state, Span<int> result)
    {
        for (var i = 0; i < result.Length; i++) result[i] = i;
        for (var i = result.Length - 1; i > 0; i--)
        {
            var j = Below(ref state, i + 1);
            (result[i], result[j]) = (result[j], result[i]);
        }
    }

    /// <summary>A seed derived from <paramref name="seed"/> for the purpose named by <paramref name="salt"/>: streams with different salts are unrelated.</summary>
    public static ulong Derive(ulong seed, ulong salt) => Mix(seed ^ Mix(salt + Golden));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
