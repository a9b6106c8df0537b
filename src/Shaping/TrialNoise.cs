namespace Hybrid.Shaping;

/// <summary>
/// Common random numbers of one generation: every population member sees the same draws, so members differ only by
/// their parameters (pax shares the co-players' keys over the population; this spec shares the meta-agent's too,
/// see docs/reproduction/shaping.md). Draws differ across co-players, environments, steps and the two seats.
/// The action of a row with P(cooperate) p is cooperate when its uniform is below p. Learners' minibatch
/// permutations come from <see cref="Permutation"/>, a pure function of (seed, seat, episode, co-player, epoch).
/// </summary>
public sealed class TrialNoise
{
    readonly float[][] uniforms; // per seat: [outer, inner, rows]

    /// <summary>Draws the uniforms of a trial of <paramref name="outer"/> x <paramref name="inner"/> steps over <paramref name="rows"/> rows.</summary>
    public TrialNoise(ulong seed, int outer, int inner, int rows)
    {
        if (outer < 1 || inner < 1 || rows < 1) throw new ArgumentOutOfRangeException(nameof(outer), "a trial needs at least one episode, step and row");
        Seed = seed;
        Outer = outer;
        Inner = inner;
        Rows = rows;
        uniforms = new float[2][];
        for (var seat = 0; seat < 2; seat++)
        {
            var u = uniforms[seat] = new float[(long)outer * inner * rows];
            for (var episode = 0; episode < outer; episode++)
            {
                var state = SplitMix64.Start(SplitMix64.Derive(seed, (ulong)(seat * 1_000_003L + episode)));
                var block = u.AsSpan(episode * inner * rows, inner * rows);
                for (var i = 0; i < block.Length; i++) block[i] = SplitMix64.Unit(ref state);
            }
        }
    }

    /// <summary>The generation's seed.</summary>
    public ulong Seed { get; }

    /// <summary>Episodes of the trial.</summary>
    public int Outer { get; }

    /// <summary>Steps per episode.</summary>
    public int Inner { get; }

    /// <summary>Rows per member.</summary>
    public int Rows { get; }

    /// <summary>The uniforms [rows] of <paramref name="seat"/> at one step.</summary>
    public ReadOnlySpan<float> Uniforms(int seat, int episode, int step) => uniforms[seat].AsSpan((episode * Inner + step) * Rows, Rows);

    /// <summary>Writes a uniformly random permutation of 0..n-1 (Fisher-Yates) for a learner's epoch.</summary>
    public void Permutation(int seat, int episode, int coPlayer, int epoch, Span<int> result)
    {
        var salt = (((ulong)seat * 1_000_003UL + (ulong)episode) * 1_000_003UL + (ulong)coPlayer) * 1_000_003UL + (ulong)epoch;
        var state = SplitMix64.Start(SplitMix64.Derive(Seed ^ 0x9E3779B97F4A7C15UL, salt));
        SplitMix64.Permutation(ref state, result);
    }
}
