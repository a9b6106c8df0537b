using Hybrid.Shaping.GridCoPlayers;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Grid;

namespace Hybrid.Shaping.Training;

/// <summary>
/// One gridworld evaluation trial (thesis section 4.5; Tables 1, 7 report reward per episode): rewards per episode and
/// environment of both players (mean and standard deviation over co-players) and per step, the game's statistics over
/// the trial and per episode (Coin Game: own-coin fractions and coins per episode, Figure 1; storm_2p: cooperate
/// ratios, interactions, coins at interactions, Figure 3).
/// </summary>
public sealed record GridEvaluationResult
{
    /// <summary>Method of the row (red) player.</summary>
    public required string Method { get; init; }
    /// <summary>The gridworld.</summary>
    public required string Env { get; init; }
    /// <summary>Column player's kind.</summary>
    public required string CoPlayer { get; init; }
    /// <summary>Fresh co-players.</summary>
    public required int CoPlayers { get; init; }
    /// <summary>Environments per co-player.</summary>
    public required int Envs { get; init; }
    /// <summary>Episodes of the trial.</summary>
    public required int Outer { get; init; }
    /// <summary>Steps per episode.</summary>
    public required int Inner { get; init; }
    /// <summary>Meta-agent's mean reward per episode (and environment).</summary>
    public required double ShaperReward { get; init; }
    /// <summary>Its standard deviation over co-players.</summary>
    public required double ShaperRewardStd { get; init; }
    /// <summary>Co-players' mean reward per episode.</summary>
    public required double CoPlayerReward { get; init; }
    /// <summary>Its standard deviation over co-players.</summary>
    public required double CoPlayerRewardStd { get; init; }
    /// <summary>Meta-agent's mean reward per step.</summary>
    public required double ShaperRewardPerStep { get; init; }
    /// <summary>Co-players' mean reward per step.</summary>
    public required double CoPlayerRewardPerStep { get; init; }
    /// <summary>Names of <see cref="Stats"/>.</summary>
    public required string[] StatNames { get; init; }
    /// <summary>The game's statistics over the trial.</summary>
    public required double[] Stats { get; init; }
    /// <summary>The same over the second half of the trial's episodes.</summary>
    public required double[] StatsLastHalf { get; init; }
    /// <summary>Meta-agent's reward per episode in each episode (mean over co-players and environments).</summary>
    public required double[] ShaperRewardByEpisode { get; init; }
    /// <summary>Co-players' reward per episode in each episode.</summary>
    public required double[] CoPlayerRewardByEpisode { get; init; }
    /// <summary>The statistics per episode [episode][stat].</summary>
    public required double[][] StatsByEpisode { get; init; }
}

/// <summary>Evaluation trials of trained gridworld meta-agents, of co-trained naive learners, and cross-play.</summary>
public static class GridEvaluation
{
    /// <summary>
    /// Plays one trial of the meta-agent with <paramref name="parameters"/> against <paramref name="coPlayers"/> fresh
    /// co-players of <paramref name="coPlayerKind"/>, each with the configuration's number of environments.
    /// </summary>
    public static GridEvaluationResult Evaluate(ShapeConfig config, ReadOnlySpan<float> parameters, string coPlayerKind, int coPlayers, ulong seed, int? outer = null)
    {
        var layout = new TrialLayout(coPlayers, config.Envs);
        var policy = config.GridAgent().CreatePolicy(layout);
        policy.Load(parameters);
        return Play(config, policy, GridCoPlayerKinds.Create(coPlayerKind, config, layout), layout, outer ?? config.Outer, seed, config.Method.Name(), coPlayerKind);
    }

    /// <summary>CT-NL in a gridworld: pairs of PPO-GRU naive learners co-trained by independent learning over one trial.</summary>
    public static GridEvaluationResult CoTrained(ShapeConfig config, int pairs, ulong seed, int? outer = null)
    {
        var layout = new TrialLayout(pairs, config.Envs);
        var ppo = GridCoPlayerKinds.Config(config);
        return Play(config, new GruPpoSeat(ppo, config.GridGame, layout), new GruPpoSeat(ppo, config.GridGame, layout), layout, outer ?? config.Outer, seed, "ctnl", "ppo_gru");
    }

    /// <summary>Cross-play of two fixed gridworld meta-agents: the row player's and the column player's reward per episode.</summary>
    public static (double Row, double Column) CrossPlay(ShapeConfig rowConfig, ReadOnlySpan<float> row, ShapeConfig columnConfig, ReadOnlySpan<float> column, int pairs, int envs, int outer, int inner, ulong seed)
    {
        if (rowConfig.Env != columnConfig.Env) throw new ArgumentException($"cross-play needs one game: {rowConfig.Env} against {columnConfig.Env}");
        var layout = new TrialLayout(pairs, envs);
        var rowPolicy = rowConfig.GridAgent().CreatePolicy(layout);
        rowPolicy.Load(row);
        var columnPolicy = columnConfig.GridAgent().CreatePolicy(layout);
        columnPolicy.Load(column);
        var record = new GridRecord(layout, outer, inner, detail: false);
        using var trial = new GridTrial(rowConfig.GridGame, layout, outer, inner, rowConfig.Env == "storm_2p" ? rowConfig.StormOptions with { InnerSteps = inner } : null);
        trial.Run(rowPolicy, columnPolicy, new TrialNoise(seed, outer, inner, layout.Rows), record);
        return (record.RowPerEpisode, record.ColumnPerEpisode);
    }

    /// <summary>
    /// The egocentric competency check of appendix E.1 (Figure 9): fresh PPO-GRU learners (blue) learn over one trial
    /// against a competent opponent (red): <c>pretrained</c> (the red learner of a co-trained PPO-GRU pair, frozen after
    /// a trial of the same length), <c>good_greedy</c>, <c>evil_greedy</c>, <c>random_greedy</c> or <c>random</c>. A
    /// learner is competent when it ends up collecting about as many coins per episode as its opponent. With
    /// <paramref name="egocentric"/> false both play the original global view (pre-trained opponents only).
    /// </summary>
    public static GridEvaluationResult Competency(ShapeConfig config, string opponent, int learners, ulong seed, bool egocentric = true, int? outer = null)
    {
        if (config.Env != "coin_game") throw new ArgumentException("the competency check is the Coin Game's (appendix E.1)");
        var layout = new TrialLayout(learners, config.Envs);
        var episodes = outer ?? config.Outer;
        var ppo = GridCoPlayerKinds.Config(config);
        IGridSeat row;
        if (opponent == "pretrained")
        {
            var teacher = new GruPpoSeat(ppo, config.GridGame, layout);
            var record = new GridRecord(layout, episodes, config.Inner, detail: false);
            using (var trial = new GridTrial(config.GridGame, layout, episodes, config.Inner, egocentric: egocentric))
                trial.Run(teacher, new GruPpoSeat(ppo, config.GridGame, layout), new TrialNoise(SplitMix64.Derive(seed, 0x7EAC), episodes, config.Inner, layout.Rows), record);
            teacher.Freeze();
            row = teacher;
        }
        else if (opponent is "good_greedy" or "evil_greedy" or "random_greedy" or "random")
        {
            if (!egocentric && opponent != "random") throw new ArgumentException($"{opponent} reads the egocentric view; the non-egocentric check takes a pretrained opponent");
            row = opponent == "random" ? new UniformGridSeat() : GreedyCoinSeat.Named(opponent);
        }
        else throw new ArgumentException($"unknown competency opponent '{opponent}' (pretrained, good_greedy, evil_greedy, random_greedy, random)");
        return Play(config, row, new GruPpoSeat(ppo, config.GridGame, layout), layout, episodes, seed, opponent, "ppo_gru", egocentric);
    }

    /// <summary>Plays one detailed trial between two seats and summarises it.</summary>
    public static GridEvaluationResult Play(ShapeConfig config, IGridSeat row, IGridSeat column, TrialLayout layout, int outer, ulong seed, string method, string coPlayerKind, bool egocentric = true)
    {
        var inner = config.Inner;
        var game = config.GridGame;
        var record = new GridRecord(layout, outer, inner, detail: true);
        using (var trial = new GridTrial(game, layout, outer, inner, config.Env == "storm_2p" ? config.StormOptions : null, egocentric))
            trial.Run(row, column, new TrialNoise(seed, outer, inner, layout.Rows), record);
        var o = layout.CoPlayers;
        var perCoPlayerEpisodes = (double)outer * layout.Envs;
        double[] PerCoPlayer(double[] byEpisode) => Enumerable.Range(0, o).Select(c => Enumerable.Range(0, outer).Sum(e => byEpisode[e * o + c]) / perCoPlayerEpisodes).ToArray();
        var rowPer = PerCoPlayer(record.RowByEpisode);
        var columnPer = PerCoPlayer(record.ColumnByEpisode);
        double[] StatsOf(int from, int to)
        {
            var pickups = new double[4];
            var coins = new double[4];
            double interactions = 0;
            for (var e = from; e < to; e++)
            {
                interactions += record.InteractionsByEpisode[e];
                for (var k = 0; k < 4; k++) { pickups[k] += record.PickupsByEpisode[e * 4 + k]; coins[k] += record.InteractionCoinsByEpisode[e * 4 + k]; }
            }
            return GridPopulationTrials.Stats(game, pickups, interactions, coins, (double)(to - from) * layout.Rows);
        }
        double[] ByEpisode(double[] byEpisode) => Enumerable.Range(0, outer).Select(e => Enumerable.Range(0, o).Sum(c => byEpisode[e * o + c]) / layout.Rows).ToArray();
        return new GridEvaluationResult
        {
            Method = method, Env = config.Env, CoPlayer = coPlayerKind, CoPlayers = o, Envs = layout.Envs, Outer = outer, Inner = inner,
            ShaperReward = rowPer.Average(), ShaperRewardStd = Std(rowPer), CoPlayerReward = columnPer.Average(), CoPlayerRewardStd = Std(columnPer),
            ShaperRewardPerStep = record.RowPerStep, CoPlayerRewardPerStep = record.ColumnPerStep,
            StatNames = GridPopulationTrials.StatNamesOf(game).ToArray(), Stats = StatsOf(0, outer), StatsLastHalf = StatsOf(outer / 2, outer),
            ShaperRewardByEpisode = ByEpisode(record.RowByEpisode), CoPlayerRewardByEpisode = ByEpisode(record.ColumnByEpisode),
            StatsByEpisode = Enumerable.Range(0, outer).Select(e => StatsOf(e, e + 1)).ToArray(),
        };
    }

    static double Std(double[] x)
    {
        var m = x.Average();
        return Math.Sqrt(x.Average(v => (v - m) * (v - m)));
    }
}
