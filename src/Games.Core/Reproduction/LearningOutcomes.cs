using Hybrid.Games.Analysis;
using Hybrid.Games.Rules;

namespace Hybrid.Games.Reproduction;

/// <summary>How one rule did at one look-ahead rate over several seeds.</summary>
/// <param name="Rule">Rule name.</param>
/// <param name="Alpha">Look-ahead (and learning) rate.</param>
/// <param name="Outcomes">Per seed.</param>
/// <param name="FinalLosses">Per seed, per player.</param>
/// <param name="FinalParameters">Per seed, concatenated parameters.</param>
public sealed record OutcomeRow(string Rule, double Alpha, RunOutcome[] Outcomes, double[][] FinalLosses, double[][] FinalParameters)
{
    /// <summary>Number of seeds that diverged.</summary>
    public int Diverged => Outcomes.Count(o => o == RunOutcome.Diverged);

    /// <summary>Mean final loss of a player over the seeds that did not diverge (NaN if all diverged).</summary>
    public double MeanLoss(int player) => Mean(Outcomes.Select((o, k) => (o, k)).Where(p => p.o != RunOutcome.Diverged).Select(p => FinalLosses[p.k][player]));

    static double Mean(IEnumerable<double> v) { var a = v.ToArray(); return a.Length == 0 ? double.NaN : a.Average(); }
}

/// <summary>Learning runs of several rules from the same initialisations (thesis figures 1, 4, 6, 7, 10, 12, 13).</summary>
public static class LearningOutcomes
{
    /// <summary>
    /// Runs every rule for <paramref name="options"/>.Steps steps from theta_0 ~ N(0, InitStd^2), seed k the same for
    /// every rule. A rule given as several trained COLA runs uses run k mod R for seed k.
    /// </summary>
    public static OutcomeRow Run(DifferentiableGame game, string name, IReadOnlyList<ILearningRule> rules, double alpha, LearningOptions options)
    {
        if (rules.Count == 1)
            return Row(name, alpha, LearningRun.Run(game, rules[0], alpha, options));
        var outcomes = new List<RunOutcome>(); var losses = new List<double[]>(); var parameters = new List<double[]>();
        for (var k = 0; k < options.Seeds; k++)
        {
            var single = LearningRun.Run(game, rules[k % rules.Count], alpha, options with { Seeds = 1, BaseSeed = options.BaseSeed + k });
            var row = Row(name, alpha, single);
            outcomes.Add(row.Outcomes[0]); losses.Add(row.FinalLosses[0]); parameters.Add(row.FinalParameters[0]);
        }
        return new OutcomeRow(name, alpha, outcomes.ToArray(), losses.ToArray(), parameters.ToArray());
    }

    static OutcomeRow Row(string name, double alpha, LearningTrajectory t) =>
        new(name, alpha, t.Outcome, t.FinalLosses(),
            Enumerable.Range(0, t.Outcome.Length).Select(k => t.Parameters[-1][k].data<double>().ToArray()).ToArray());
}
