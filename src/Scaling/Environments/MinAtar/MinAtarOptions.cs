namespace Hybrid.Scaling.Environments.MinAtar;

/// <summary>Settings shared by the MinAtar games.</summary>
/// <param name="StickyActionProbability">Chance that the previous action is repeated instead of the chosen one (MinAtar 0.1, gymnax 0).</param>
/// <param name="MaxSteps">Time limit per episode (gymnax 1,000; MinAtar has none: use int.MaxValue).</param>
/// <param name="DifficultyRamping">Whether games that speed up over time do so (MinAtar and gymnax: on).</param>
public sealed record MinAtarOptions(double StickyActionProbability = 0, int MaxSteps = 1000, bool DifficultyRamping = true)
{
    /// <summary>Throws a clear error for nonsensical settings.</summary>
    public void Validate()
    {
        if (!(StickyActionProbability >= 0 && StickyActionProbability < 1))
            throw new ArgumentOutOfRangeException(nameof(StickyActionProbability), StickyActionProbability, "the sticky-action probability must lie in [0, 1)");
        if (MaxSteps < 1) throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "episodes need at least one step");
    }

    /// <summary>
    /// MinAtar's sticky actions: with probability <see cref="StickyActionProbability"/> the previous action is taken
    /// instead of <paramref name="chosen"/> (one draw per step when the probability is positive); the action taken is
    /// remembered in <paramref name="last"/>, which, as in MinAtar, survives resets.
    /// </summary>
    public int Sticky(int chosen, ref int last, ref ulong rng)
    {
        if (StickyActionProbability > 0 && SplitMix64.UnitDouble(ref rng) < StickyActionProbability) chosen = last;
        return last = chosen;
    }

    /// <summary>The original MinAtar's sticky-action probability.</summary>
    public const double MinAtarSticky = 0.1;

    /// <summary>gymnax's settings: no sticky actions, 1,000-step limit, ramping on.</summary>
    public static MinAtarOptions Gymnax { get; } = new();

    /// <summary>The original MinAtar's settings: sticky actions 0.1, no time limit, ramping on.</summary>
    public static MinAtarOptions Original { get; } = new(MinAtarSticky, int.MaxValue);
}
