using Hybrid.Scaling.Environments;
using Hybrid.Shaping.Trials;

namespace Hybrid.Shaping.Grid;

/// <summary>
/// Evaluates a population of gridworld meta-agents, each against its own freshly initialised co-players, on the same
/// common random numbers (the gridworld counterpart of <see cref="PopulationTrials"/>): members run in parallel on
/// <see cref="Threads"/> workers, each with its own policy, co-player seat and environments, so the results do not depend
/// on the thread count.
/// </summary>
public sealed class GridPopulationTrials : IShapeTrials
{
    readonly IGridMetaAgent agent;
    readonly Func<TrialLayout, IGridSeat> coPlayers;
    readonly Storm2pOptions? storm;

    /// <summary>Trials of <paramref name="agent"/> (red, the row player) against <paramref name="coPlayers"/> (blue).</summary>
    public GridPopulationTrials(IGridMetaAgent agent, Func<TrialLayout, IGridSeat> coPlayers, GridGame game, TrialLayout layout, int outer, int inner,
        Storm2pOptions? storm = null, int threads = 0)
    {
        layout.Validate();
        this.agent = agent;
        this.coPlayers = coPlayers;
        this.storm = storm;
        Game = game;
        Layout = layout;
        Outer = outer;
        Inner = inner;
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        using (new GridTrial(game, layout, outer, inner, storm)) { } // validates the sizes
        coPlayers(layout);
    }

    /// <summary>The gridworld.</summary>
    public GridGame Game { get; }
    /// <summary>Co-players x environments per member.</summary>
    public TrialLayout Layout { get; }
    /// <summary>Episodes per trial.</summary>
    public int Outer { get; }
    /// <summary>Steps per episode.</summary>
    public int Inner { get; }
    /// <summary>Worker threads.</summary>
    public int Threads { get; }

    /// <inheritdoc/>
    public int ParameterCount => agent.ParameterCount;

    /// <inheritdoc/>
    public IReadOnlyList<string> StatNames => StatNamesOf(Game);

    /// <summary>
    /// The statistics of a gridworld's generations: Coin Game, each player's own-coin fraction and coins per episode
    /// (per environment); storm_2p, each player's cooperate ratio (red coins over all coins held at interactions) and
    /// the interactions and the meta-agent's coins at them per episode.
    /// </summary>
    public static IReadOnlyList<string> StatNamesOf(GridGame game) => game.Name == GridGame.CoinGame.Name
        ? new[] { "own_coin_meta", "own_coin_coplayer", "coins_meta", "coins_coplayer" }
        : new[] { "coop_ratio_meta", "coop_ratio_coplayer", "interactions", "coins_at_interaction" };

    /// <summary>The common random numbers of a trial of this shape from <paramref name="seed"/>.</summary>
    public TrialNoise Noise(ulong seed) => new(seed, Outer, Inner, Layout.Rows);

    /// <summary>Runs one trial per member of <paramref name="population"/> ([members x parameters]) on <paramref name="noise"/>.</summary>
    public GridRecord[] Records(float[] population, TrialNoise noise, bool detail = false)
    {
        var d = agent.ParameterCount;
        if (population.Length % d != 0) throw new ArgumentException($"a population of {agent.Name} vectors has a multiple of {d} entries, got {population.Length}");
        var members = population.Length / d;
        var records = new GridRecord[members];
        var workers = new System.Collections.Concurrent.ConcurrentBag<GridTrial>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        try
        {
            Parallel.For(0, members, options,
                () =>
                {
                    var trial = new GridTrial(Game, Layout, Outer, Inner, storm);
                    workers.Add(trial);
                    return (Policy: agent.CreatePolicy(Layout), CoPlayers: coPlayers(Layout), Trial: trial);
                },
                (member, _, worker) =>
                {
                    worker.Policy.Load(population.AsSpan(member * d, d));
                    var record = new GridRecord(Layout, Outer, Inner, detail);
                    worker.Trial.Run(worker.Policy, worker.CoPlayers, noise, record);
                    records[member] = record;
                    return worker;
                },
                _ => { });
        }
        finally
        {
            foreach (var trial in workers) trial.Dispose();
        }
        return records;
    }

    /// <inheritdoc/>
    public PopulationOutcome Run(float[] population, ulong seed)
    {
        var records = Records(population, Noise(seed));
        return new PopulationOutcome(records.Select(r => r.RowPerStep).ToArray(), records.Select(r => r.ColumnPerStep).ToArray(), Pool(records));
    }

    /// <summary>The statistics of <see cref="StatNamesOf"/> over a set of records (NaN where undefined, e.g. no pickups).</summary>
    public double[] Pool(IReadOnlyCollection<GridRecord> records)
    {
        var pickups = new double[4];
        var coins = new double[4];
        double interactions = 0, episodes = 0;
        foreach (var r in records)
        {
            episodes += (double)r.Outer * r.Layout.Rows;
            interactions += r.Interactions;
            for (var k = 0; k < 4; k++) { pickups[k] += r.Pickups[k]; coins[k] += r.InteractionCoins[k]; }
        }
        return Stats(Game, pickups, interactions, coins, episodes);
    }

    /// <summary>
    /// The statistics of <see cref="StatNamesOf"/> from event counts: Coin Game <paramref name="pickups"/> [red own, red
    /// other, blue own, blue other]; storm_2p <paramref name="interactions"/> and the inventories at them
    /// <paramref name="coins"/>; <paramref name="episodes"/> = episodes x environments they were counted over.
    /// </summary>
    public static double[] Stats(GridGame game, ReadOnlySpan<double> pickups, double interactions, ReadOnlySpan<double> coins, double episodes) =>
        game.Name == GridGame.CoinGame.Name
            ? new[] { pickups[0] / (pickups[0] + pickups[1]), pickups[2] / (pickups[2] + pickups[3]), (pickups[0] + pickups[1]) / episodes, (pickups[2] + pickups[3]) / episodes }
            : new[] { coins[0] / (coins[0] + coins[1]), coins[2] / (coins[2] + coins[3]), interactions / episodes, (coins[0] + coins[1]) / interactions };
}
