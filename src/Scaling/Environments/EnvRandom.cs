using System.Runtime.CompilerServices;

namespace Hybrid.Scaling.Environments;

/// <summary>
/// The per-environment random stream: SplitMix64 over one 64-bit state per environment, started from that
/// environment's own seed. A batch reset with seed s gives environment e the seed s + e, so environment e draws
/// exactly what a single environment reset with seed s + e draws, whatever the batch size.
/// </summary>
public static class EnvRandom
{
    const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The starting state of an environment with seed <paramref name="envSeed"/>.</summary>
    public static ulong Start(ulong envSeed) => Mix(envSeed ^ 0x2545F4914F6CDD1DUL);

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
