using Hybrid.Scaling.Environments;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// Draws actions on the CPU from network outputs copied out of the device, one random stream per training copy, so a
/// copy's actions depend only on its own seed and not on how many copies train together.
/// </summary>
public static class ActionSampler
{
    /// <summary>
    /// Samples row r of <paramref name="logits"/> ([rows, K]) by inverse CDF of its softmax, drawing from
    /// <paramref name="rng"/>; writes the action and its log-probability.
    /// </summary>
    public static void Categorical(ReadOnlySpan<float> logits, int actionCount, ref ulong rng, Span<int> actions, Span<float> logProbs)
    {
        var rows = actions.Length;
        if (logits.Length != rows * actionCount) throw new ArgumentException($"{logits.Length} logits for {rows} rows of {actionCount} actions");
        for (var r = 0; r < rows; r++)
        {
            var row = logits.Slice(r * actionCount, actionCount);
            var max = float.NegativeInfinity;
            foreach (var x in row) max = MathF.Max(max, x);
            double sum = 0;
            foreach (var x in row) sum += Math.Exp(x - max);
            var u = SplitMix64.UnitDouble(ref rng) * sum;
            var chosen = actionCount - 1;
            double cumulative = 0;
            for (var k = 0; k < actionCount; k++)
            {
                cumulative += Math.Exp(row[k] - max);
                if (u < cumulative) { chosen = k; break; }
            }
            actions[r] = chosen;
            logProbs[r] = (float)(row[chosen] - max - Math.Log(sum));
        }
    }

    /// <summary>
    /// Samples each row of a diagonal Gaussian (means [rows, D], one log-std per dimension) with Box-Muller normals from
    /// <paramref name="rng"/>; writes the sample and its log-density.
    /// </summary>
    public static void Gaussian(ReadOnlySpan<float> means, ReadOnlySpan<float> logStd, ref ulong rng, Span<float> samples, Span<float> logProbs)
    {
        var d = logStd.Length;
        var rows = logProbs.Length;
        if (means.Length != rows * d || samples.Length != rows * d) throw new ArgumentException($"means and samples must be {rows} x {d}");
        for (var r = 0; r < rows; r++)
        {
            double logp = 0;
            for (var k = 0; k < d; k++)
            {
                var z = SplitMix64.StandardNormal(ref rng);
                samples[r * d + k] = (float)(means[r * d + k] + Math.Exp(logStd[k]) * z);
                logp += -0.5 * z * z - logStd[k] - 0.5 * Math.Log(2 * Math.PI);
            }
            logProbs[r] = (float)logp;
        }
    }
}
