using Hybrid.Shaping.Agents;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Trials;

namespace Hybrid.Shaping.Training;

/// <summary>
/// One evaluation trial (thesis section 4.5: the fixed meta-agent against new co-player initialisations): rewards per
/// step of both players (mean and standard deviation over co-players), the joint-action visitation from the
/// meta-agent's view (own action first) over the trial and over its second half, and each player's mean
/// P(cooperate | state) over the trial; per-episode curves of all of them.
/// </summary>
public sealed record EvaluationResult
{
    /// <summary>Method of the row player.</summary>
    public required string Method { get; init; }
    /// <summary>The game.</summary>
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
    /// <summary>Meta-agent's mean reward per step.</summary>
    public required double ShaperReward { get; init; }
    /// <summary>Its standard deviation over co-players.</summary>
    public required double ShaperRewardStd { get; init; }
    /// <summary>Co-players' mean reward per step.</summary>
    public required double CoPlayerReward { get; init; }
    /// <summary>Its standard deviation over co-players.</summary>
    public required double CoPlayerRewardStd { get; init; }
    /// <summary>Fractions of CC, CD, DC, DD over the trial.</summary>
    public required double[] Visitation { get; init; }
    /// <summary>The same over the second half of the trial's episodes.</summary>
    public required double[] VisitationLastHalf { get; init; }
    /// <summary>Meta-agent's mean P(C) per observed state CC, CD, DC, DD, START (NaN where never observed).</summary>
    public required double[] ShaperProbCooperate { get; init; }
    /// <summary>Co-players' mean P(C) per state of their own view.</summary>
    public required double[] CoPlayerProbCooperate { get; init; }
    /// <summary>Meta-agent's reward per step in each episode (mean over co-players).</summary>
    public required double[] ShaperRewardByEpisode { get; init; }
    /// <summary>Co-players' reward per step in each episode.</summary>
    public required double[] CoPlayerRewardByEpisode { get; init; }
    /// <summary>Visitation per episode [episode][CC, CD, DC, DD].</summary>
    public required double[][] VisitationByEpisode { get; init; }
    /// <summary>Co-players' mean P(C | state) per episode [episode][state].</summary>
    public required double[][] CoPlayerProbCooperateByEpisode { get; init; }

    /// <summary>State names in the order of the visitation and P(C) arrays.</summary>
    public static readonly string[] States = { "CC", "CD", "DC", "DD", "START" };

    /// <summary>The joint action visited most over the trial.</summary>
    public string MostVisited => States[Array.IndexOf(Visitation, Visitation.Max())];
}

/// <summary>Evaluation trials of trained meta-agents, of co-trained naive learners and cross-play between meta-agents.</summary>
public static class ShapeEvaluation
{
    /// <summary>
    /// Plays one trial of the meta-agent with <paramref name="parameters"/> against <paramref name="coPlayers"/> fresh
    /// co-players of <paramref name="coPlayerKind"/>, each with the configuration's number of environments.
    /// </summary>
    public static EvaluationResult Evaluate(ShapeConfig config, ReadOnlySpan<float> parameters, string coPlayerKind, int coPlayers, ulong seed, int? outer = null)
    {
        var layout = new TrialLayout(coPlayers, config.Envs);
        var episodes = outer ?? config.Outer;
        var agent = config.Agent();
        var policy = agent.CreatePolicy(layout);
        policy.Load(parameters);
        var column = CoPlayerKinds.Create(coPlayerKind, config.CoPlayerConfig, layout);
        return Play(config, policy, column, layout, episodes, seed, coPlayerKind);
    }

    /// <summary>CT-NL: two tabular-PPO naive learners co-trained by independent learning over one trial.</summary>
    public static EvaluationResult CoTrained(ShapeConfig config, int pairs, ulong seed, int? outer = null)
    {
        var layout = new TrialLayout(pairs, config.Envs);
        var row = new TabularPpoSeat(config.CoPlayerConfig, layout);
        var column = new TabularPpoSeat(config.CoPlayerConfig, layout);
        return Play(config, row, column, layout, outer ?? config.Outer, seed, "tabular") with { Method = "ctnl" };
    }

    /// <summary>
    /// PT-NL (T:952): the row player of each co-trained CT-NL pair, frozen after its trial, against a fresh naive
    /// learner over a second trial; the evaluation's first player is the frozen policy.
    /// </summary>
    public static EvaluationResult PreTrained(ShapeConfig config, int pairs, ulong seed, int? outer = null)
    {
        var layout = new TrialLayout(pairs, config.Envs);
        var row = new TabularPpoSeat(config.CoPlayerConfig, layout);
        var record = new TrialRecord(layout, config.Outer, config.Inner, detail: false);
        new MatrixTrial(config.Game, layout, config.Outer, config.Inner).Run(row, new TabularPpoSeat(config.CoPlayerConfig, layout), new TrialNoise(seed, config.Outer, config.Inner, layout.Rows), record);
        var frozen = FrozenTablesSeat.Of(row.Learners, layout);
        return Play(config, frozen, new TabularPpoSeat(config.CoPlayerConfig, layout), layout, outer ?? config.Outer, SplitMix64.Derive(seed, 0x9717), "tabular") with { Method = "ptnl" };
    }

    /// <summary>
    /// Cross-play (thesis Table 4, here in the finite game): <paramref name="row"/> against <paramref name="column"/>,
    /// both fixed, over <paramref name="pairs"/> x envs rows; returns the row player's and the column player's reward per step.
    /// </summary>
    public static (double Row, double Column) CrossPlay(ShapeConfig rowConfig, ReadOnlySpan<float> row, ShapeConfig columnConfig, ReadOnlySpan<float> column, int pairs, int envs, int outer, int inner, ulong seed)
    {
        if (rowConfig.Env != columnConfig.Env) throw new ArgumentException($"cross-play needs one game: {rowConfig.Env} against {columnConfig.Env}");
        var layout = new TrialLayout(pairs, envs);
        var rowPolicy = rowConfig.Agent().CreatePolicy(layout);
        rowPolicy.Load(row);
        var columnPolicy = columnConfig.Agent().CreatePolicy(layout);
        columnPolicy.Load(column);
        var record = new TrialRecord(layout, outer, inner, detail: false);
        new MatrixTrial(rowConfig.Game, layout, outer, inner).Run(rowPolicy, columnPolicy, new TrialNoise(seed, outer, inner, layout.Rows), record);
        return (record.RowPerStep, record.ColumnPerStep);
    }

    static EvaluationResult Play(ShapeConfig config, ISeat row, ISeat column, TrialLayout layout, int outer, ulong seed, string coPlayerKind)
    {
        var inner = config.Inner;
        var record = new TrialRecord(layout, outer, inner, detail: true);
        new MatrixTrial(config.Game, layout, outer, inner).Run(row, column, new TrialNoise(seed, outer, inner, layout.Rows), record);
        var o = layout.CoPlayers;
        var perCoPlayerSteps = (double)outer * inner * layout.Envs;
        double[] PerCoPlayer(double[] byEpisode) => Enumerable.Range(0, o).Select(c => Enumerable.Range(0, outer).Sum(e => byEpisode[e * o + c]) / perCoPlayerSteps).ToArray();
        var rowPer = PerCoPlayer(record.RowByEpisode);
        var columnPer = PerCoPlayer(record.ColumnByEpisode);
        double[] Fractions(long[] counts, int from, int to)
        {
            var v = new double[4];
            for (var e = from; e < to; e++) for (var j = 0; j < 4; j++) v[j] += counts[e * 4 + j];
            var total = v.Sum();
            return v.Select(x => x / total).ToArray();
        }
        double[] ProbCooperate(int seat, int from, int to)
        {
            var p = new double[5];
            for (var s = 0; s < 5; s++)
            {
                double sum = 0; long count = 0;
                for (var e = from; e < to; e++) { sum += record.ProbCooperateSum[(seat * outer + e) * 5 + s]; count += record.StateCount[(seat * outer + e) * 5 + s]; }
                p[s] = count > 0 ? sum / count : double.NaN;
            }
            return p;
        }
        var stepsPerEpisode = (double)inner * layout.Rows;
        return new EvaluationResult
        {
            Method = config.Method.Name(), Env = config.Env, CoPlayer = coPlayerKind, CoPlayers = o, Envs = layout.Envs, Outer = outer, Inner = inner,
            ShaperReward = rowPer.Average(), ShaperRewardStd = Std(rowPer), CoPlayerReward = columnPer.Average(), CoPlayerRewardStd = Std(columnPer),
            Visitation = Fractions(record.VisitsByEpisode, 0, outer), VisitationLastHalf = Fractions(record.VisitsByEpisode, outer / 2, outer),
            ShaperProbCooperate = ProbCooperate(0, 0, outer), CoPlayerProbCooperate = ProbCooperate(1, 0, outer),
            ShaperRewardByEpisode = Enumerable.Range(0, outer).Select(e => Enumerable.Range(0, o).Sum(c => record.RowByEpisode[e * o + c]) / stepsPerEpisode).ToArray(),
            CoPlayerRewardByEpisode = Enumerable.Range(0, outer).Select(e => Enumerable.Range(0, o).Sum(c => record.ColumnByEpisode[e * o + c]) / stepsPerEpisode).ToArray(),
            VisitationByEpisode = Enumerable.Range(0, outer).Select(e => Fractions(record.VisitsByEpisode, e, e + 1)).ToArray(),
            CoPlayerProbCooperateByEpisode = Enumerable.Range(0, outer).Select(e => ProbCooperate(1, e, e + 1)).ToArray(),
        };
    }

    static double Std(double[] x)
    {
        var m = x.Average();
        return Math.Sqrt(x.Average(v => (v - m) * (v - m)));
    }
}
