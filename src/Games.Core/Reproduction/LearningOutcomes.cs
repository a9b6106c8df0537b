using TorchSharp;
using Hybrid.Games.Analysis;
using Hybrid.Games.Rules;
using static TorchSharp.torch;

namespace Hybrid.Games.Reproduction;

/// <summary>How one rule did at one look-ahead rate over several seeds.</summary>
/// <param name="Rule">Rule name.</param>
/// <param name="Alpha">Look-ahead (and learning) rate.</param>
/// <param name="Outcomes">Per seed.</param>
/// <param name="FinalLosses">Per seed, per player.</param>
/// <param name="FinalParameters">Per seed, concatenated parameters.</param>
/// <param name="Curve">Per step (0..T), the mean over seeds of the tracked measure (a diverged seed stays at its last finite point).</param>
/// <param name="FinalMeasure">Per seed, the measure after the last step.</param>
/// <param name="MeasureVariance">Per seed, the variance of the measure over the steps (thesis figure 2a: variance across training).</param>
/// <param name="SeedCurves">Per seed, the measure per step (0..T) whose mean is <paramref name="Curve"/>: the spread over seeds (null if not recorded).</param>
/// <param name="LeftRegionAt">Per seed, the first step whose parameters lie outside the game's region Theta (-1: never).
/// A learned update (COLA) was fit on Theta only; beyond it, it extrapolates (null if not recorded).</param>
public sealed record OutcomeRow(string Rule, double Alpha, RunOutcome[] Outcomes, double[][] FinalLosses, double[][] FinalParameters,
    double[] Curve, double[] FinalMeasure, double[] MeasureVariance, double[][]? SeedCurves = null, int[]? LeftRegionAt = null)
{
    /// <summary>Number of seeds whose trajectory left Theta.</summary>
    public int LeftRegion => LeftRegionAt?.Count(s => s >= 0) ?? 0;

    /// <summary>Number of seeds that diverged.</summary>
    public int Diverged => Outcomes.Count(o => o == RunOutcome.Diverged);

    /// <summary>Number of seeds that converged.</summary>
    public int Converged => Outcomes.Count(o => o == RunOutcome.Converged);

    /// <summary>Mean final loss of a player over the seeds that did not diverge (NaN if all diverged).</summary>
    public double MeanLoss(int player) => Mean(Kept().Select(k => FinalLosses[k][player]));

    /// <summary>Mean final measure over the seeds that did not diverge (NaN if all diverged).</summary>
    public double MeanMeasure => Mean(Kept().Select(k => FinalMeasure[k]));

    IEnumerable<int> Kept() => Enumerable.Range(0, Outcomes.Length).Where(k => Outcomes[k] != RunOutcome.Diverged);

    static double Mean(IEnumerable<double> v) { var a = v.ToArray(); return a.Length == 0 ? double.NaN : a.Average(); }
}

/// <summary>
/// A number tracked along learning runs, e.g. a player's loss, P(fair split) or ||theta||.
/// </summary>
/// <param name="Name">Short name for tables and chart axes.</param>
/// <param name="Compute">[K, D] concatenated parameters and [K, n] losses to [K] values.</param>
public sealed record Measure(string Name, Func<Tensor, Tensor, Tensor> Compute)
{
    /// <summary>Player 1's loss.</summary>
    public static Measure LossOfPlayer1 { get; } = new("L1", (_, losses) => losses.select(1, 0));

    /// <summary>Mean of the players' losses.</summary>
    public static Measure MeanLoss { get; } = new("mean loss", (_, losses) => losses.mean(new long[] { 1 }));

    /// <summary>Distance of the parameters from the origin.</summary>
    public static Measure Norm { get; } = new("||theta||", (theta, _) => theta.Square().sum(1).sqrt());
}

/// <summary>Learning runs of several rules from the same initialisations (thesis figures 1, 4, 6, 7, 10, 12, 13).</summary>
public static class LearningOutcomes
{
    /// <summary>
    /// Runs every rule for <paramref name="options"/>.Steps steps from theta_0 ~ N(0, InitStd^2), seed k the same for
    /// every rule. A rule given as several trained COLA runs uses run k mod R for seed k.
    /// </summary>
    public static OutcomeRow Run(DifferentiableGame game, string name, IReadOnlyList<ILearningRule> rules, double alpha, LearningOptions options,
        Measure? measure = null)
    {
        measure ??= Measure.LossOfPlayer1;
        if (rules.Count == 0) throw new ArgumentException("at least one rule is needed", nameof(rules));
        if (rules.Count == 1)
            return Row(game, name, alpha, LearningRun.Run(game, rules[0], alpha, options), measure);
        var seeds = Enumerable.Range(0, options.Seeds)
            .Select(k => Row(game, name, alpha, LearningRun.Run(game, rules[k % rules.Count], alpha, options with { Seeds = 1, BaseSeed = options.BaseSeed + k }), measure))
            .ToList();
        var curve = Enumerable.Range(0, seeds[0].Curve.Length).Select(t => seeds.Average(s => s.Curve[t])).ToArray();
        return new OutcomeRow(name, alpha, seeds.Select(s => s.Outcomes[0]).ToArray(), seeds.Select(s => s.FinalLosses[0]).ToArray(),
            seeds.Select(s => s.FinalParameters[0]).ToArray(), curve, seeds.Select(s => s.FinalMeasure[0]).ToArray(),
            seeds.Select(s => s.MeasureVariance[0]).ToArray(), seeds.Select(s => s.SeedCurves![0]).ToArray(), seeds.Select(s => s.LeftRegionAt![0]).ToArray());
    }

    static OutcomeRow Row(DifferentiableGame game, string name, double alpha, LearningTrajectory t, Measure measure)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // [T+1, K, D] and [T+1, K, n] flattened to one batch of (step, seed) pairs, then back to [T+1, K].
        var steps = t.Parameters.shape[0]; var k = t.Parameters.shape[1];
        var values = measure.Compute(t.Parameters.reshape(steps * k, -1), t.Losses.reshape(steps * k, -1)).reshape(steps, k);
        var curve = values.mean(new long[] { 1 }).data<double>().ToArray();
        var bySeed = values.t().contiguous();
        // Non-finite parameters count as outside: a diverged run has left Theta by definition.
        using Scalar low = game.Region.Low.ToScalar(), high = game.Region.High.ToScalar();
        var outside = t.Parameters.lt(low).logical_or(t.Parameters.gt(high)).logical_or(t.Parameters.isfinite().logical_not()).any(2).t().contiguous(); // [K, T+1]
        // argmax over steps of the 0/1 flags is the first step outside; -1 where no step is.
        var ever = outside.any(1).data<bool>().ToArray();
        var first = outside.to_type(ScalarType.Int64).argmax(1).data<long>().ToArray();
        var left = Enumerable.Range(0, (int)k).Select(s => ever[s] ? (int)first[s] : -1).ToArray();
        return new(name, alpha, t.Outcome, t.FinalLosses(),
            Enumerable.Range(0, t.Outcome.Length).Select(s => t.Parameters[-1][s].data<double>().ToArray()).ToArray(),
            curve, values[-1].data<double>().ToArray(), values.var(0, unbiased: false).data<double>().ToArray(),
            Enumerable.Range(0, (int)k).Select(s => bySeed[s].data<double>().ToArray()).ToArray(), left);
    }
}
