namespace Hybrid.Shaping.Infinite;

/// <summary>What <see cref="NaivePair.Run"/> returns.</summary>
/// <param name="FirstReward">Per step, the first learners' reward (1 - gamma) V averaged over environments, after that step's update.</param>
/// <param name="SecondReward">Likewise for the second learners.</param>
/// <param name="First">The first learners at the end.</param>
/// <param name="Second">The second learners at the end.</param>
public sealed record NaivePairResult(double[] FirstReward, double[] SecondReward, ExactNaiveLearner First, ExactNaiveLearner Second);

/// <summary>
/// Two batches of exact-gradient naive learners against each other on the infinite IPD (simultaneous steps, each
/// against the other's current logits): the baseline the M-FOS parity check is read against (they end in mutual
/// defection, about -2 per step).
/// </summary>
public static class NaivePair
{
    /// <summary>
    /// Runs <paramref name="steps"/> simultaneous steps in <paramref name="envs"/> environments. Starts: with
    /// <see cref="InfiniteStartKind.Pax"/> each learner's logits are sigmoid(U(0, 1)) (environment e draws u ~ U(0, 1)^10
    /// from its own stream; the first learner takes sigmoid(u[0..5]), the second sigmoid(u[5..10]); pax itself would give
    /// both sigmoid(u[0..5]), since its reset hands both players the same observation, which makes the pair self-play);
    /// with <see cref="InfiniteStartKind.StandardNormal"/> both are N(0, 1).
    /// </summary>
    public static NaivePairResult Run(int envs, int steps, double learningRate = 1.0, double gamma = 0.96, InfiniteStartKind start = InfiniteStartKind.Pax, ulong seed = 0)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be non-negative");
        const int d = InfiniteIpd.Size;
        var draw = InfiniteStart.Draw(start, envs, seed);
        var second = new double[envs * d];
        for (var k = 0; k < second.Length; k++)
            second[k] = start == InfiniteStartKind.Pax ? InfiniteIpd.Sigmoid(draw.PreviousLogits[k]) : draw.PreviousLogits[k];
        var a = new ExactNaiveLearner(draw.NlLogits, learningRate, gamma);
        var b = new ExactNaiveLearner(second, learningRate, gamma);
        var (ra, rb) = (new double[steps], new double[steps]);
        var (va, vb) = (new double[envs], new double[envs]);
        for (var t = 0; t < steps; t++)
        {
            var before = a.Logits.ToArray();
            a.Step(b.Logits);
            b.Step(before);
            InfiniteIpd.Values(a.Logits, b.Logits, gamma, va, vb);
            ra[t] = (1 - gamma) * va.Average();
            rb[t] = (1 - gamma) * vb.Average();
        }
        return new NaivePairResult(ra, rb, a, b);
    }
}
