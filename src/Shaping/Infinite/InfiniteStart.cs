namespace Hybrid.Shaping.Infinite;

/// <summary>How a meta-episode of the infinite IPD starts.</summary>
public enum InfiniteStartKind
{
    /// <summary>
    /// pax (<c>infinite_matrix_game.py</c> reset, <c>naive_exact.py</c> make_initial_state): u ~ U(0, 1)^10 per
    /// environment and the observation o = sigmoid(u). The naive learner takes o[0..5] as its LOGITS (a quirk: its
    /// logits lie in [0.5, 0.73], so it starts cooperating with probability 0.62-0.67), its first step ascends against a
    /// co-player that cooperates with probabilities o[5..10] (logits u[5..10]), and the meta-agent's first observation is
    /// o itself, whose first half pax labels "own" although it is the naive learner's initial logits squashed.
    /// </summary>
    Pax,

    /// <summary>
    /// Lu et al. (2022)'s M-FOS code (<c>environments.py</c> MetaGames.reset): the naive learner's logits and a fictitious
    /// previous meta-agent policy are N(0, 1) logits; the first observation is sigmoid([previous, learner]).
    /// </summary>
    StandardNormal,
}

/// <summary>
/// The start of a meta-episode for N environments: the naive learners' initial logits, the meta-agent policy (logits)
/// that the learners' first step ascends against, and the meta-agent's first observation.
/// </summary>
/// <param name="NlLogits">[N, 5] the naive learners' initial logits (own view).</param>
/// <param name="PreviousLogits">[N, 5] the co-player logits the learners' first step sees.</param>
/// <param name="Observation">[N, 10] the meta-agent's first observation.</param>
public sealed record InfiniteStart(double[] NlLogits, double[] PreviousLogits, float[] Observation)
{
    /// <summary>
    /// Draws the start of <paramref name="envs"/> environments; environment e draws from its own SplitMix64 stream
    /// derived from (<paramref name="seed"/>, e), so its start does not depend on N.
    /// </summary>
    public static InfiniteStart Draw(InfiniteStartKind kind, int envs, ulong seed)
    {
        if (envs < 1) throw new ArgumentOutOfRangeException(nameof(envs), envs, "at least one environment");
        const int d = InfiniteIpd.Size;
        var nl = new double[envs * d];
        var previous = new double[envs * d];
        var observation = new float[envs * 2 * d];
        for (var e = 0; e < envs; e++)
        {
            var rng = SplitMix64.Start(SplitMix64.Derive(seed, (ulong)e));
            switch (kind)
            {
                case InfiniteStartKind.Pax:
                    for (var k = 0; k < 2 * d; k++)
                    {
                        var u = SplitMix64.UnitDouble(ref rng);
                        var o = InfiniteIpd.Sigmoid(u);
                        observation[e * 2 * d + k] = (float)o;
                        if (k < d) nl[e * d + k] = o;
                        else previous[e * d + k - d] = u;
                    }
                    break;
                case InfiniteStartKind.StandardNormal:
                    for (var k = 0; k < d; k++) previous[e * d + k] = SplitMix64.StandardNormal(ref rng);
                    for (var k = 0; k < d; k++) nl[e * d + k] = SplitMix64.StandardNormal(ref rng);
                    Observe(previous.AsSpan(e * d, d), nl.AsSpan(e * d, d), observation.AsSpan(e * 2 * d, 2 * d));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown start");
            }
        }
        return new InfiniteStart(nl, previous, observation);
    }

    /// <summary>pax's observation of one environment for the first player: sigmoid of [own logits, co-player logits], each in its own view.</summary>
    public static void Observe(ReadOnlySpan<double> own, ReadOnlySpan<double> other, Span<float> into)
    {
        const int d = InfiniteIpd.Size;
        if (own.Length != d || other.Length != d || into.Length != 2 * d) throw new ArgumentException($"an observation is 2 x {d} probabilities");
        for (var k = 0; k < d; k++)
        {
            into[k] = (float)InfiniteIpd.Sigmoid(own[k]);
            into[d + k] = (float)InfiniteIpd.Sigmoid(other[k]);
        }
    }
}
