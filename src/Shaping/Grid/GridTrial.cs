using Hybrid.Scaling.Environments;

namespace Hybrid.Shaping.Grid;

/// <summary>
/// What one gridworld trial produced for one population member: both players' rewards and the game's events. Coin Game:
/// pickups [red own, red other, blue own, blue other] (red = the row player); storm_2p: interactions and the
/// inventories at them [red's red coins, red's blue coins, blue's red, blue's blue] (a red coin is "cooperate").
/// With detail the same per episode.
/// </summary>
public sealed class GridRecord
{
    /// <summary>Storage for a trial of <paramref name="outer"/> episodes over <paramref name="layout"/>.</summary>
    public GridRecord(TrialLayout layout, int outer, int inner, bool detail)
    {
        Layout = layout;
        Outer = outer;
        Inner = inner;
        Detail = detail;
        if (!detail) return;
        RowByEpisode = new double[outer * layout.CoPlayers];
        ColumnByEpisode = new double[outer * layout.CoPlayers];
        PickupsByEpisode = new long[outer * 4];
        InteractionsByEpisode = new long[outer];
        InteractionCoinsByEpisode = new double[outer * 4];
    }

    /// <summary>The batch layout.</summary>
    public TrialLayout Layout { get; }
    /// <summary>Episodes.</summary>
    public int Outer { get; }
    /// <summary>Steps per episode.</summary>
    public int Inner { get; }
    /// <summary>Whether per-episode detail is kept.</summary>
    public bool Detail { get; }

    /// <summary>Sum of the row player's rewards over every row and step.</summary>
    public double RowTotal { get; internal set; }
    /// <summary>Sum of the column player's rewards.</summary>
    public double ColumnTotal { get; internal set; }
    /// <summary>Coin Game pickups over the trial: red own, red other, blue own, blue other.</summary>
    public long[] Pickups { get; } = new long[4];
    /// <summary>storm_2p interactions over the trial.</summary>
    public long Interactions { get; internal set; }
    /// <summary>storm_2p inventories summed over the interactions: red's red, red's blue, blue's red, blue's blue.</summary>
    public double[] InteractionCoins { get; } = new double[4];

    /// <summary>Row player's reward summed over each episode's steps and a co-player's environments: [episode, co-player].</summary>
    public double[] RowByEpisode { get; } = Array.Empty<double>();
    /// <summary>Column player's, as <see cref="RowByEpisode"/>.</summary>
    public double[] ColumnByEpisode { get; } = Array.Empty<double>();
    /// <summary>Pickups per episode [episode, kind].</summary>
    public long[] PickupsByEpisode { get; } = Array.Empty<long>();
    /// <summary>Interactions per episode.</summary>
    public long[] InteractionsByEpisode { get; } = Array.Empty<long>();
    /// <summary>Inventories at interactions per episode [episode, kind].</summary>
    public double[] InteractionCoinsByEpisode { get; } = Array.Empty<double>();

    /// <summary>Row player's mean reward per step (the ES fitness, as pax's).</summary>
    public double RowPerStep => RowTotal / ((double)Outer * Inner * Layout.Rows);
    /// <summary>Column player's mean reward per step.</summary>
    public double ColumnPerStep => ColumnTotal / ((double)Outer * Inner * Layout.Rows);
    /// <summary>Row player's mean reward per episode and environment (the thesis' gridworld unit).</summary>
    public double RowPerEpisode => RowPerStep * Inner;
    /// <summary>Column player's mean reward per episode and environment.</summary>
    public double ColumnPerEpisode => ColumnPerStep * Inner;

    /// <summary>Fraction of the row player's pickups that were its own coin (NaN without pickups).</summary>
    public double RowOwnCoinFraction => (double)Pickups[0] / (Pickups[0] + Pickups[1]);
    /// <summary>Fraction of the column player's pickups that were its own coin.</summary>
    public double ColumnOwnCoinFraction => (double)Pickups[2] / (Pickups[2] + Pickups[3]);
    /// <summary>storm_2p: red coins over all coins held at interactions by the row player (its cooperate ratio).</summary>
    public double RowCooperateRatio => InteractionCoins[0] / (InteractionCoins[0] + InteractionCoins[1]);
    /// <summary>storm_2p: the column player's cooperate ratio.</summary>
    public double ColumnCooperateRatio => InteractionCoins[2] / (InteractionCoins[2] + InteractionCoins[3]);

    internal void Clear()
    {
        RowTotal = ColumnTotal = 0;
        Interactions = 0;
        Array.Clear(Pickups);
        Array.Clear(InteractionCoins);
        Array.Clear(RowByEpisode);
        Array.Clear(ColumnByEpisode);
        Array.Clear(PickupsByEpisode);
        Array.Clear(InteractionsByEpisode);
        Array.Clear(InteractionCoinsByEpisode);
    }
}

/// <summary>
/// One gridworld trial between two seats over the rows of a layout (thesis Algorithm 1/2, pax's <c>runner_evo</c>):
/// <c>outer</c> episodes of <c>inner</c> steps in one batch of environments (row r is environment r), seeded so that
/// environment e of every co-player and every population member starts alike (pax tiles its environment keys over
/// co-players and population). The Coin Game is egocentric and its inner game is the trial's episode (the last step
/// of each pays nothing and shows the next episode's first observation, JaxMARL's and pax's semantics); storm_2p's
/// episode is its own (a full reset after <c>inner</c> steps, the last paying nothing). Actions are drawn from the
/// probabilities the seats write, by inverse CDF on the generation's common uniforms.
/// </summary>
public sealed class GridTrial : IDisposable
{
    readonly VectorEnv env;
    readonly CoinGame? coin;
    readonly Storm2p? storm;
    readonly TrialLayout layout;
    readonly int outer, inner, obsSize;
    readonly float[] rowObs, columnObs, rowProb, columnProb, rowReward, columnReward;
    readonly byte[] rowAction, columnAction;
    readonly int[] actions;
    readonly ulong[] seeds;

    /// <summary>Buffers and environments for trials of <paramref name="outer"/> episodes of <paramref name="inner"/> steps.</summary>
    /// <param name="game">coin_game or storm_2p (<see cref="GridGame"/>).</param>
    /// <param name="layout">Co-players x environments.</param>
    /// <param name="outer">Episodes per trial.</param>
    /// <param name="inner">Steps per episode.</param>
    /// <param name="storm">storm_2p settings (payoffs, coin layouts); its episode length is set to <paramref name="inner"/>.</param>
    /// <param name="egocentric">Coin Game observations centred on the observer (the thesis' fix, appendix E.1); false
    /// gives the original global view, for the competency check's comparison only (the scripted collectors need the centred view).</param>
    public GridTrial(GridGame game, TrialLayout layout, int outer, int inner, Storm2pOptions? storm = null, bool egocentric = true)
    {
        layout.Validate();
        if (outer < 1 || inner < 1) throw new ArgumentOutOfRangeException(nameof(outer), "outer and inner must be at least 1");
        var rows = layout.Rows;
        if (game.Name == GridGame.CoinGame.Name)
            env = coin = new CoinGame(rows, new CoinGameOptions(InnerSteps: inner, OuterSteps: outer, Egocentric: egocentric));
        else if (game.Name == GridGame.Storm2p.Name)
            env = this.storm = new Storm2p(rows, (storm ?? new Storm2pOptions()) with { InnerSteps = inner });
        else throw new ArgumentException($"unknown gridworld '{game.Name}' (coin_game or storm_2p)");
        if (env.ObservationSize(0) != game.ObservationSize) throw new InvalidOperationException($"{game.Name}: observations of {env.ObservationSize(0)} floats, the agents expect {game.ObservationSize}");
        Game = game;
        this.layout = layout;
        this.outer = outer;
        this.inner = inner;
        obsSize = game.ObservationSize;
        rowObs = new float[rows * obsSize]; columnObs = new float[rows * obsSize];
        rowProb = new float[rows * game.Actions]; columnProb = new float[rows * game.Actions];
        rowReward = new float[rows]; columnReward = new float[rows];
        rowAction = new byte[rows]; columnAction = new byte[rows];
        actions = new int[2 * rows];
        seeds = new ulong[rows];
    }

    /// <summary>The gridworld.</summary>
    public GridGame Game { get; }

    /// <summary>Plays one trial of <paramref name="row"/> (red) against <paramref name="column"/> (blue) into <paramref name="record"/>.</summary>
    public void Run(IGridSeat row, IGridSeat column, TrialNoise noise, GridRecord record)
    {
        if (noise.Outer != outer || noise.Inner != inner || noise.Rows != layout.Rows) throw new ArgumentException("the noise was drawn for another trial shape");
        record.Clear();
        var rows = layout.Rows;
        for (var r = 0; r < rows; r++) seeds[r] = SplitMix64.Derive(noise.Seed ^ 0x6E1D_0000UL, (ulong)(r % layout.Envs));
        env.Reset(seeds);
        row.BeginTrial(noise, 0);
        column.BeginTrial(noise, 1);
        double rowTotal = 0, columnTotal = 0;
        var n = Game.Actions;
        for (var episode = 0; episode < outer; episode++)
        {
            row.BeginEpisode(episode);
            column.BeginEpisode(episode);
            double rowEpisode = 0, columnEpisode = 0;
            var detail = record.Detail;
            var envs = layout.Envs;
            var coPlayers = layout.CoPlayers;
            for (var t = 0; t < inner; t++)
            {
                env.Observations(0).CopyTo(rowObs, 0);
                env.Observations(1).CopyTo(columnObs, 0);
                row.Act(rowObs, rowProb);
                column.Act(columnObs, columnProb);
                var u0 = noise.Uniforms(0, episode, t);
                var u1 = noise.Uniforms(1, episode, t);
                for (var r = 0; r < rows; r++)
                {
                    rowAction[r] = Sample(rowProb.AsSpan(r * n, n), u0[r]);
                    columnAction[r] = Sample(columnProb.AsSpan(r * n, n), u1[r]);
                    actions[r] = rowAction[r];
                    actions[rows + r] = columnAction[r];
                }
                env.Step(actions);
                var rewards = env.Rewards;
                for (var r = 0; r < rows; r++)
                {
                    rowReward[r] = rewards[r];
                    columnReward[r] = rewards[rows + r];
                    rowEpisode += rewards[r];
                    columnEpisode += rewards[rows + r];
                    if (detail)
                    {
                        record.RowByEpisode[episode * coPlayers + r / envs] += rewards[r];
                        record.ColumnByEpisode[episode * coPlayers + r / envs] += rewards[rows + r];
                    }
                }
                Count(record, episode);
                row.Observe(t, rowObs, rowAction, rowReward);
                column.Observe(t, columnObs, columnAction, columnReward);
            }
            rowTotal += rowEpisode;
            columnTotal += columnEpisode;
            row.EndEpisode(episode, env.Observations(0));
            column.EndEpisode(episode, env.Observations(1));
        }
        record.RowTotal = rowTotal;
        record.ColumnTotal = columnTotal;
    }

    void Count(GridRecord record, int episode)
    {
        var rows = layout.Rows;
        if (coin != null)
        {
            var pickups = coin.Pickups;
            for (var r = 0; r < rows; r++)
            {
                var bits = pickups[r];
                if (bits == 0) continue;
                for (var k = 0; k < 4; k++)
                {
                    // bits: 1 red own, 2 red other, 4 blue own, 8 blue other
                    if ((bits & (1 << k)) == 0) continue;
                    record.Pickups[k]++;
                    if (record.Detail) record.PickupsByEpisode[episode * 4 + k]++;
                }
            }
        }
        else if (storm != null)
        {
            for (var r = 0; r < rows; r++)
            {
                if (!storm.Interacted[r]) continue;
                record.Interactions++;
                if (record.Detail) record.InteractionsByEpisode[episode]++;
                for (var k = 0; k < 4; k++)
                {
                    var coins = storm.InteractionInventories[4 * r + k];
                    record.InteractionCoins[k] += coins;
                    if (record.Detail) record.InteractionCoinsByEpisode[episode * 4 + k] += coins;
                }
            }
        }
    }

    /// <summary>The action whose cumulative probability first exceeds <paramref name="u"/> (the last on rounding).</summary>
    public static byte Sample(ReadOnlySpan<float> probabilities, float u)
    {
        float sum = 0;
        for (var a = 0; a < probabilities.Length - 1; a++)
        {
            sum += probabilities[a];
            if (u < sum) return (byte)a;
        }
        return (byte)(probabilities.Length - 1);
    }

    /// <inheritdoc/>
    public void Dispose() => env.Dispose();
}
