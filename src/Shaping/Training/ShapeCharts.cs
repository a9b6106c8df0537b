using Hybrid.Charts;
using System.Globalization;

namespace Hybrid.Shaping.Training;

/// <summary>
/// The pictures of chapter 4's experiments as chart specifications (written as standalone HTML by the CLI). Every
/// chart colours by role and state in <see cref="Keys"/>: the meta-agent, the co-players and the joint actions CC,
/// CD, DC, DD have one colour each in every panel of every chart.
/// </summary>
public static class ShapeCharts
{
    static readonly string[] Joint = { "CC", "CD", "DC", "DD" };
    static readonly string[] Halves = { "whole trial", "second half" };

    /// <summary>The colour keys in palette order: the two roles, then the joint actions.</summary>
    public static IReadOnlyList<string> Keys { get; } = new[] { "meta-agent", "co-players", "CC", "CD", "DC", "DD" };

    /// <summary>
    /// Training curves from a run's metrics.csv: fitness (population mean under the meta-agent's name, as in the
    /// evaluation charts; best member dashed) and the co-players' reward per step; the visitation per generation (matrix games) or the game's fractions and counts (gridworlds).
    /// </summary>
    public static ChartSpec Training(string metricsCsv, string title, string file = "training.html")
    {
        var header = File.ReadLines(metricsCsv).First().Split(',');
        var rows = File.ReadLines(metricsCsv).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        // Columns between coplayer_reward and sigma are the game's statistics.
        var stats = header[5..Array.IndexOf(header, "sigma")];
        var g = rows.Select(r => r[0]).ToArray();
        double[] Column(int i) => rows.Select(r => r[i]).ToArray();
        var panels = new List<ChartPanel>
        {
            new("fitness (meta-agent: population mean, and its best member)", "generation", "reward per step", PanelKind.Lines, new[]
            {
                new Series("meta-agent", g, Column(1)),
                new Series("meta-agent (best member)", g, Column(2), Key: "meta-agent", Style: LineStyle.Dashed),
                new Series("co-players", g, Column(4)),
            }),
        };
        if (stats.Length == 4 && stats[0] == "cc")
            panels.Add(new ChartPanel("visitation (meta-agent's action first)", "generation", "fraction of steps", PanelKind.Lines,
                Joint.Select((name, j) => new Series(name, g, Column(5 + j))).ToArray()) { YRange = new AxisRange(0, 1) });
        else
            panels.AddRange(GridPanels("generation", g, stats, j => Column(5 + j)));
        return new ChartSpec(file, title, panels, Columns: 2, ColorKeys: Keys);
    }

    /// <summary>An evaluation trial: reward per step per episode for both, visitation bars and lines, and P(C | state) bars.</summary>
    public static ChartSpec Evaluation(EvaluationResult e, string title, string file = "eval.html")
    {
        var episodes = Enumerable.Range(1, e.Outer).Select(x => (double)x).ToArray();
        var none = Array.Empty<double>();
        return new ChartSpec(file, title, new[]
        {
            new ChartPanel("reward", "episode of the trial", "reward per step", PanelKind.Lines, new[]
            {
                new Series("meta-agent", episodes, e.ShaperRewardByEpisode), new Series("co-players", episodes, e.CoPlayerRewardByEpisode),
            }),
            new ChartPanel("visitation (meta-agent's action first)", "", "fraction of steps", PanelKind.Bars,
                Joint.Select((name, j) => new Series(name, none, new[] { e.Visitation[j], e.VisitationLastHalf[j] }, Categories: Halves)).ToArray())
                { YRange = new AxisRange(0, 1) },
            new ChartPanel("visitation per episode", "episode of the trial", "fraction of steps", PanelKind.Lines,
                Joint.Select((name, j) => new Series(name, episodes, e.VisitationByEpisode.Select(v => v[j]).ToArray())).ToArray())
                { YRange = new AxisRange(0, 1) },
            new ChartPanel("policy", "state (each player's own view: own action first)", "P(cooperate | state)", PanelKind.Bars, new[]
            {
                new Series("meta-agent", none, e.ShaperProbCooperate, Categories: EvaluationResult.States),
                new Series("co-players", none, e.CoPlayerProbCooperate, Categories: EvaluationResult.States),
            }) { YRange = new AxisRange(0, 1) },
        }, Columns: 2, ColorKeys: Keys);
    }

    /// <summary>
    /// A gridworld evaluation trial: reward per episode for both; the game's fractions (own-coin fraction or cooperate
    /// ratio) and counts per episode (coins, interactions), each on its own axis; the fractions over the whole trial
    /// and its second half as bars.
    /// </summary>
    public static ChartSpec GridEvaluation(GridEvaluationResult e, string title, string file = "eval.html")
    {
        var episodes = Enumerable.Range(1, e.Outer).Select(x => (double)x).ToArray();
        var fractions = e.StatNames.Select((n, j) => (n, j)).Where(p => IsFraction(p.n)).ToArray();
        var panels = new List<ChartPanel>
        {
            new("reward", "episode of the trial", "reward per episode", PanelKind.Lines, new[]
            {
                new Series("meta-agent", episodes, e.ShaperRewardByEpisode), new Series("co-players", episodes, e.CoPlayerRewardByEpisode),
            }),
        };
        panels.AddRange(GridPanels("episode of the trial", episodes, e.StatNames, j => e.StatsByEpisode.Select(v => v[j]).ToArray()));
        panels.Add(new ChartPanel($"{FractionAxis(e.StatNames)} over the trial", "", FractionAxis(e.StatNames), PanelKind.Bars,
            fractions.Select(p => new Series(Role(p.n), Array.Empty<double>(), new[] { e.Stats[p.j], e.StatsLastHalf[p.j] }, Categories: Halves)).ToArray())
            { YRange = new AxisRange(0, 1) });
        return new ChartSpec(file, title, panels, Columns: 2, ColorKeys: Keys);
    }

    /// <summary>
    /// The gridworld statistics as two line panels, fractions and counts, each titled by what it counts; a statistic
    /// of one player is named and coloured by that player, so the legend has one row per role.
    /// </summary>
    static IEnumerable<ChartPanel> GridPanels(string xTitle, double[] x, IReadOnlyList<string> names, Func<int, double[]> values)
    {
        var counts = names.Where(n => !IsFraction(n)).Select(Quantity).Distinct();
        Series[] Lines(Func<string, bool> which) => names.Select((n, j) => (n, j)).Where(p => which(p.n))
            .Select(p => new Series(Role(p.n), x, values(p.j))).ToArray();
        yield return new ChartPanel(FractionAxis(names), xTitle, FractionAxis(names), PanelKind.Lines, Lines(IsFraction)) { YRange = new AxisRange(0, 1) };
        yield return new ChartPanel(string.Join(", ", counts), xTitle, "per episode and environment", PanelKind.Lines, Lines(n => !IsFraction(n)));
    }

    /// <summary>What a statistic counts, without its player: "coins_meta" counts coins.</summary>
    static string Quantity(string name) => Label(name.Replace("_coplayer", "").Replace("_meta", ""));

    static string Label(string name) => name.Replace("_coplayer", " (co-players)").Replace("_meta", " (meta-agent)").Replace('_', ' ');

    /// <summary>The series name (and colour key) of a statistic: its player's role, or its own name for a statistic of both (interactions).</summary>
    static string Role(string name) =>
        name.EndsWith("_meta", StringComparison.Ordinal) ? "meta-agent" : name.EndsWith("_coplayer", StringComparison.Ordinal) ? "co-players" : Label(name);

    static bool IsFraction(string name) => name.StartsWith("own_coin", StringComparison.Ordinal) || name.StartsWith("coop_ratio", StringComparison.Ordinal);

    static string FractionAxis(IReadOnlyList<string> names) => names.Any(n => n.StartsWith("own_coin", StringComparison.Ordinal)) ? "own-coin fraction" : "cooperate ratio";
}
