namespace Hybrid.Shaping.Grid;

/// <summary>
/// pax's scripted Coin Game collectors (<c>agents/strategies.py</c>: GoodGreedy, EvilGreedy, RandomGreedy), the sanity
/// co-players of the egocentric competency check (thesis appendix E.1, Figure 9). On the egocentric 3 x 3 view the
/// agent sits at the centre (1, 1), so every coin is one move or one diagonal away: the collector walks towards the
/// nearer coin (Good: its own on a tie; Evil: the other's on a tie; Random: either with probability 1/2 on a tie) and
/// resolves a diagonal as pax does (up-right: up, up-left: left, down-right: right, down-left: down). Actions as the
/// Coin Game's: 0 right (0, +1), 1 left (0, -1), 2 up (+1, 0), 3 down (-1, 0), 4 stay.
/// </summary>
/// <remarks>pax's RandomGreedy tests a path vector for truth (<c>jnp.where(equal_path, ...)</c>), which is not a tie
/// test; this one breaks true ties at random, which is what its name and the thesis describe.</remarks>
public sealed class GreedyCoinSeat : IGridSeat
{
    /// <summary>How a collector breaks a tie between the two coins.</summary>
    public enum Preference
    {
        /// <summary>Own coin (GoodGreedy).</summary>
        Own,
        /// <summary>The other agent's coin (EvilGreedy).</summary>
        Other,
        /// <summary>Either, with probability 1/2 (RandomGreedy).</summary>
        Random,
    }

    /// <summary>A collector with tie preference <paramref name="preference"/>.</summary>
    public GreedyCoinSeat(Preference preference) => Tie = preference;

    /// <summary>The tie preference.</summary>
    public Preference Tie { get; }

    /// <summary>The name as the command line gives it.</summary>
    public string Name => Tie switch { Preference.Own => "good_greedy", Preference.Other => "evil_greedy", _ => "random_greedy" };

    /// <summary>The collector named good_greedy, evil_greedy or random_greedy.</summary>
    public static GreedyCoinSeat Named(string name) => name switch
    {
        "good_greedy" => new(Preference.Own),
        "evil_greedy" => new(Preference.Other),
        "random_greedy" => new(Preference.Random),
        _ => throw new ArgumentException($"unknown coin collector '{name}' (good_greedy, evil_greedy, random_greedy)"),
    };

    /// <summary>The move from the centre towards cell <paramref name="cell"/> (row * 3 + column) of the egocentric view.</summary>
    public static int MoveTowards(int cell)
    {
        int dr = cell / 3 - 1, dc = cell % 3 - 1;
        return (dr, dc) switch
        {
            (0, 0) => 4,
            (0, 1) => 0,
            (0, -1) => 1,
            (1, 0) => 2,
            (-1, 0) => 3,
            (1, 1) => 2,
            (1, -1) => 1,
            (-1, 1) => 0,
            _ => 3,
        };
    }

    static int Distance(int cell) => Math.Abs(cell / 3 - 1) + Math.Abs(cell % 3 - 1);

    /// <inheritdoc/>
    public void BeginTrial(TrialNoise noise, int seat) { }

    /// <inheritdoc/>
    public void BeginEpisode(int episode) { }

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<float> observations, Span<float> probabilities)
    {
        var size = GridGame.CoinGame.ObservationSize;
        var rows = observations.Length / size;
        probabilities[..(rows * 5)].Clear();
        for (var r = 0; r < rows; r++)
        {
            var o = observations.Slice(r * size, size);
            int own = 0, other = 0;
            for (var c = 0; c < 9; c++)
            {
                if (o[c * 4 + 2] > 0.5f) own = c;
                if (o[c * 4 + 3] > 0.5f) other = c;
            }
            int dOwn = Distance(own), dOther = Distance(other);
            var p = probabilities.Slice(r * 5, 5);
            if (dOwn != dOther) p[MoveTowards(dOwn < dOther ? own : other)] = 1;
            else if (Tie == Preference.Own) p[MoveTowards(own)] = 1;
            else if (Tie == Preference.Other) p[MoveTowards(other)] = 1;
            else
            {
                p[MoveTowards(own)] += 0.5f;
                p[MoveTowards(other)] += 0.5f;
            }
        }
    }

    /// <inheritdoc/>
    public void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

    /// <inheritdoc/>
    public void EndEpisode(int episode, ReadOnlySpan<float> nextObservations) { }
}

/// <summary>A uniformly random player of a gridworld (pax's Random strategy): a baseline for every chart.</summary>
public sealed class UniformGridSeat(int actions = 5) : IGridSeat
{
    /// <inheritdoc/>
    public void BeginTrial(TrialNoise noise, int seat) { }

    /// <inheritdoc/>
    public void BeginEpisode(int episode) { }

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<float> observations, Span<float> probabilities) => probabilities.Fill(1f / actions);

    /// <inheritdoc/>
    public void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

    /// <inheritdoc/>
    public void EndEpisode(int episode, ReadOnlySpan<float> nextObservations) { }
}
