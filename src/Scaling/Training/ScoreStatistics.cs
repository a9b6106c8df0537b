using Hybrid.Scaling.Environments;

namespace Hybrid.Scaling.Training;

/// <summary>A point estimate with a confidence interval.</summary>
/// <param name="Value">The statistic on the original scores.</param>
/// <param name="Lower">Lower end of the bootstrap interval.</param>
/// <param name="Upper">Upper end of the bootstrap interval.</param>
public sealed record Estimate(double Value, double Lower, double Upper);

/// <summary>
/// rliable's aggregate statistics over a score matrix [runs, tasks] (Agarwal et al. 2021; rliable/metrics.py and
/// library.py): mean and median of the per-task means, interquartile mean over all entries, optimality gap, and
/// stratified bootstrap percentile intervals. Unlike rliable, whose bootstrap draws from numpy's global generator, the
/// resampling here draws from an explicit seed.
/// </summary>
public static class ScoreStatistics
{
    /// <summary>Mean over tasks of each task's mean over runs.</summary>
    public static double Mean(double[,] scores) => TaskMeans(scores).Average();

    /// <summary>Median over tasks of each task's mean over runs (the two middle values averaged for an even count).</summary>
    public static double Median(double[,] scores) => MedianOf(TaskMeans(scores));

    /// <summary>Interquartile mean: all runs and tasks flattened and sorted, floor(n / 4) dropped from each end, the rest averaged (scipy's trim_mean(x, 0.25)).</summary>
    public static double InterquartileMean(double[,] scores)
    {
        var all = scores.Cast<double>().Order().ToArray();
        var cut = all.Length / 4;
        return all.Length == 0 ? double.NaN : all[cut..(all.Length - cut)].Average();
    }

    /// <summary>gamma - mean over all entries of min(score, gamma).</summary>
    public static double OptimalityGap(double[,] scores, double gamma = 1) => gamma - scores.Cast<double>().Select(s => Math.Min(s, gamma)).Average();

    /// <summary>(score - low) / (high - low) per task column, e.g. low = random policy, high = a reference score.</summary>
    public static double[,] Normalise(double[,] scores, IReadOnlyList<double> low, IReadOnlyList<double> high)
    {
        int runs = scores.GetLength(0), tasks = scores.GetLength(1);
        if (low.Count != tasks || high.Count != tasks) throw new ArgumentException($"need one low and one high score per task ({tasks})");
        var result = new double[runs, tasks];
        for (var m = 0; m < tasks; m++)
        {
            if (!(high[m] != low[m])) throw new ArgumentException($"task {m}: the high and low reference scores are equal ({low[m]})");
            for (var n = 0; n < runs; n++) result[n, m] = (scores[n, m] - low[m]) / (high[m] - low[m]);
        }
        return result;
    }

    /// <summary>
    /// The statistic with a stratified bootstrap percentile interval: each replicate resamples, within each task, the
    /// runs with replacement (res[n, m] = scores[j, m], j uniform), and the interval holds the central
    /// <paramref name="confidence"/> of the replicates' statistics (linear-interpolated percentiles, as numpy).
    /// </summary>
    public static Estimate Bootstrap(double[,] scores, Func<double[,], double> statistic, int replicates = 50_000, double confidence = 0.95, ulong seed = 0)
    {
        int runs = scores.GetLength(0), tasks = scores.GetLength(1);
        if (runs == 0 || tasks == 0) throw new ArgumentException("the score matrix is empty", nameof(scores));
        if (replicates < 1) throw new ArgumentOutOfRangeException(nameof(replicates), replicates, "at least one replicate is needed");
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must lie in (0, 1)");
        var rng = SplitMix64.Start(seed);
        var sample = new double[runs, tasks];
        var values = new double[replicates];
        for (var r = 0; r < replicates; r++)
        {
            for (var m = 0; m < tasks; m++)
                for (var n = 0; n < runs; n++)
                    sample[n, m] = scores[SplitMix64.Below(ref rng, runs), m];
            values[r] = statistic(sample);
        }
        Array.Sort(values);
        var alpha = (1 - confidence) / 2;
        return new Estimate(statistic(scores), Percentile(values, alpha), Percentile(values, 1 - alpha));
    }

    /// <summary>numpy's default (linear) percentile of sorted values at fraction p.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        var position = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
    }

    static double[] TaskMeans(double[,] scores)
    {
        int runs = scores.GetLength(0), tasks = scores.GetLength(1);
        return Enumerable.Range(0, tasks).Select(m => Enumerable.Range(0, runs).Average(n => scores[n, m])).ToArray();
    }

    static double MedianOf(double[] values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
