using Hybrid.Charts;
using System.Globalization;
using Hybrid.Games.Reproduction;

namespace Hybrid.Shaping.Training;

/// <summary>The pictures of chapter 4's matrix-game experiments as chart specifications (written as standalone HTML by the CLI).</summary>
public static class ShapeCharts
{
    static readonly string[] Joint = { "CC", "CD", "DC", "DD" };

    /// <summary>Training curves from a run's metrics.csv: fitness (mean and best) and the co-player's reward per step, and the visitation per generation.</summary>
    public static ChartSpec Training(string metricsCsv, string title, string file = "training.html")
    {
        var header = File.ReadLines(metricsCsv).First().Split(',');
        var rows = File.ReadLines(metricsCsv).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        // Columns between coplayer_reward and sigma are the game's statistics.
        var stats = header[5..Array.IndexOf(header, "sigma")];
        var g = rows.Select(r => r[0]).ToArray();
        double[] Column(int i) => rows.Select(r => r[i]).ToArray();
        return new ChartSpec(file, title, new[]
        {
            new ChartPanel("", "generation", "reward per step", PanelKind.Lines, new[]
            {
                new Series("meta-agent (population mean)", g, Column(1)), new Series("meta-agent (best member)", g, Column(2)), new Series("co-players", g, Column(4)),
            }),
            stats.Length == 4 && stats[0] == "cc"
                ? new ChartPanel("visitation", "generation", "fraction of steps", PanelKind.Lines, Joint.Select((name, j) => new Series(name, g, Column(5 + j))).ToArray())
                : new ChartPanel("game statistics", "generation", "value", PanelKind.Lines, stats.Select((name, j) => new Series(name.Replace('_', ' '), g, Column(5 + j))).ToArray()),
        }, Columns: 2);
    }

    /// <summary>An evaluation trial: reward per step per episode for both, visitation and P(C | state) bars, visitation per episode.</summary>
    public static ChartSpec Evaluation(EvaluationResult e, string title, string file = "eval.html")
    {
        var episodes = Enumerable.Range(1, e.Outer).Select(x => (double)x).ToArray();
        var states = EvaluationResult.States;
        return new ChartSpec(file, title, new[]
        {
            new ChartPanel("", "episode of the trial", "reward per step", PanelKind.Lines, new[]
            {
                new Series("meta-agent", episodes, e.ShaperRewardByEpisode), new Series("co-players", episodes, e.CoPlayerRewardByEpisode),
            }),
            new ChartPanel("visitation", "joint action (meta-agent first)", "fraction of steps", PanelKind.Bars, new[]
            {
                new Series("whole trial", Array.Empty<double>(), e.Visitation, Categories: Joint), new Series("second half", Array.Empty<double>(), e.VisitationLastHalf, Categories: Joint),
            }),
            new ChartPanel("visitation", "episode of the trial", "fraction of steps", PanelKind.Lines,
                Joint.Select((name, j) => new Series(name, episodes, e.VisitationByEpisode.Select(v => v[j]).ToArray())).ToArray()),
            new ChartPanel("", "state (each player's own view)", "P(cooperate | state)", PanelKind.Bars, new[]
            {
                new Series("meta-agent", Array.Empty<double>(), e.ShaperProbCooperate, Categories: states), new Series("co-players", Array.Empty<double>(), e.CoPlayerProbCooperate, Categories: states),
            }),
        }, Columns: 2);
    }

    /// <summary>
    /// A gridworld evaluation trial: reward per episode for both; the game's fractions (own-coin fraction or cooperate
    /// ratio) and counts per episode (coins, interactions), each on its own axis; the fractions over the whole trial
    /// and its second half as bars.
    /// </summary>
    public static ChartSpec GridEvaluation(GridEvaluationResult e, string title, string file = "eval.html")
    {
        var episodes = Enumerable.Range(1, e.Outer).Select(x => (double)x).ToArray();
        static string Label(string name) => name.Replace("_coplayer", " (co-players)").Replace("_meta", " (meta-agent)").Replace('_', ' ');
        static bool IsFraction(string name) => name.StartsWith("own_coin", StringComparison.Ordinal) || name.StartsWith("coop_ratio", StringComparison.Ordinal);
        var fractions = e.StatNames.Select((n, j) => (n, j)).Where(p => IsFraction(p.n)).ToArray();
        var counts = e.StatNames.Select((n, j) => (n, j)).Where(p => !IsFraction(p.n)).ToArray();
        var fractionAxis = fractions.Length > 0 && fractions[0].n.StartsWith("own_coin", StringComparison.Ordinal) ? "own-coin fraction" : "cooperate ratio";
        return new ChartSpec(file, title, new[]
        {
            new ChartPanel("", "episode of the trial", "reward per episode", PanelKind.Lines, new[]
            {
                new Series("meta-agent", episodes, e.ShaperRewardByEpisode), new Series("co-players", episodes, e.CoPlayerRewardByEpisode),
            }),
            new ChartPanel("", "episode of the trial", fractionAxis, PanelKind.Lines,
                fractions.Select(p => new Series(Label(p.n), episodes, e.StatsByEpisode.Select(v => v[p.j]).ToArray())).ToArray()),
            new ChartPanel("", "episode of the trial", "per episode and environment", PanelKind.Lines,
                counts.Select(p => new Series(Label(p.n), episodes, e.StatsByEpisode.Select(v => v[p.j]).ToArray())).ToArray()),
            new ChartPanel("", "", fractionAxis, PanelKind.Bars, new[]
            {
                new Series("whole trial", Array.Empty<double>(), fractions.Select(p => e.Stats[p.j]).ToArray(), Categories: fractions.Select(p => Label(p.n)).ToArray()),
                new Series("second half", Array.Empty<double>(), fractions.Select(p => e.StatsLastHalf[p.j]).ToArray(), Categories: fractions.Select(p => Label(p.n)).ToArray()),
            }),
        }, Columns: 2);
    }
}
