using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// The bootstrap targets of the DQN family as pure functions of tensors [C, B, ...] (returns and discounts already hold
/// the n-step sums: R = sum_{k &lt; m} gamma^k r_{t+k}, discount gamma^m, or 0 after an episode end).
/// </summary>
public static class QTargets
{
    /// <summary>
    /// The next action a* [C, B]: argmax of the online values with double Q-learning (van Hasselt et al. 2016), else of
    /// the target values.
    /// </summary>
    public static Tensor NextAction(Tensor nextTargetValues, Tensor? nextOnlineValues) =>
        (nextOnlineValues ?? nextTargetValues).argmax(-1);

    /// <summary>y = R + discount Q_target(s', a*) [C, B] for plain action values [C, B, A].</summary>
    public static Tensor Plain(Tensor returns, Tensor discounts, Tensor nextTargetValues, Tensor nextAction) =>
        returns.Plus(discounts * nextTargetValues.gather(-1, nextAction.unsqueeze(-1)).squeeze(-1));

    /// <summary>
    /// C51's target distribution [C, B, K]: the next distribution p [C, B, K] on the support z [K], moved to
    /// R + discount z, clipped to [z_0, z_K-1] and projected back onto z (Bellemare et al. 2017), written as dopamine's
    /// project_distribution: m_j = sum_i clip(1 - |clip(R + discount z_i) - z_j| / dz, 0, 1) p_i.
    /// </summary>
    public static Tensor Categorical(Tensor returns, Tensor discounts, Tensor nextProbabilities, Tensor support)
    {
        var atoms = support.shape[0];
        var vmin = support[0].item<float>();
        var vmax = support[atoms - 1].item<float>();
        using Scalar low = vmin.ToScalar(), high = vmax.ToScalar(), spacing = ((vmax - vmin) / (atoms - 1)).ToScalar();
        var moved = returns.unsqueeze(-1).Plus(discounts.unsqueeze(-1) * support).clamp(low, high);   // [C, B, K_i]
        var distance = (moved.unsqueeze(-1) - support).abs().div(spacing);                              // [C, B, K_i, K_j]
        var weight = distance.SubtractedFrom(Keep.One).clamp(Keep.Zero, Keep.One);
        return (weight * nextProbabilities.unsqueeze(-1)).sum(-2);
    }

    /// <summary>
    /// Double-Q values of the next step for agents with action masks: Q_target(a*) with a* = argmax over the valid actions of
    /// the online values ([..., A] both; <paramref name="invalidPenalty"/> broadcasts, 1e10 on the actions an agent lacks).
    /// </summary>
    public static Tensor MaskedDoubleQ(Tensor onlineValues, Tensor targetValues, Tensor invalidPenalty) =>
        targetValues.gather(-1, (onlineValues - invalidPenalty).argmax(-1, keepdim: true)).squeeze(-1);

    /// <summary>
    /// Whether step t of a chunk bootstraps from step t + 1, for t = 0 .. T - 2 ([C, T - 1, B] of 1 - d from dones
    /// [C, T, B], done_t = step t ended its episode): 1 - done_t by the definition, or JaxMARL's 1 - done_{t-1}
    /// (<paramref name="jaxmarlOffByOne"/>, with done_{-1} = 0), which bootstraps an episode's last step into the next
    /// episode and stops the first step of an episode from bootstrapping.
    /// </summary>
    public static Tensor Continuation(Tensor dones, bool jaxmarlOffByOne)
    {
        var steps = dones.shape[1];
        var ends = jaxmarlOffByOne ? EpisodeStarts(dones) : dones;
        return ends.narrow(1, 0, steps - 1).SubtractedFrom(Keep.One);
    }

    /// <summary>done_{t-1} [C, T, B] from dones [C, T, B] (0 at t = 0): where the next episode starts inside a chunk.</summary>
    public static Tensor EpisodeStarts(Tensor dones) =>
        cat(new[] { zeros(new[] { dones.shape[0], 1, dones.shape[2] }, dones.dtype, dones.device), dones.narrow(1, 0, dones.shape[1] - 1) }, 1);

    /// <summary>
    /// Peng's Q(lambda) returns backwards over a rollout, as JaxMARL's PQN (pqn_vdn_ff.py): for t = T - 1,
    /// G = r + gamma (1 - d) <paramref name="lastValue"/>; for t &lt; T - 1,
    /// G_t = r_t + gamma (1 - d_t) [(1 - lambda) V_{t+1} + lambda G_{t+1}], and G_t = r_t where d_t. Arrays are
    /// [C, T, E] (rewards, dones of each step, V_t = the value of the state step t acted in, e.g. the sum over agents of
    /// their greedy values) and [C, E] (the value after the last step); the result is [C, T, E].
    /// </summary>
    public static float[] PengLambda(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> dones, ReadOnlySpan<float> values, ReadOnlySpan<float> lastValue,
        int copies, int steps, int envs, double gamma, double lambda)
    {
        var g = new float[copies * steps * envs];
        for (var c = 0; c < copies; c++)
            for (var e = 0; e < envs; e++)
            {
                var ret = 0.0;
                for (var t = steps - 1; t >= 0; t--)
                {
                    var i = (c * steps + t) * envs + e;
                    var next = t == steps - 1 ? lastValue[c * envs + e] : (1 - lambda) * values[i + envs] + lambda * ret;
                    ret = dones[i] ? rewards[i] : rewards[i] + gamma * next;
                    g[i] = (float)ret;
                }
            }
        return g;
    }

    /// <summary>(y - q)^2 elementwise (dopamine's mse_loss; no factor 1/2, unlike its Huber loss's quadratic part).</summary>
    public static Tensor Mse(Tensor target, Tensor prediction) => (target - prediction).Squared();

    /// <summary>Huber with delta 1 elementwise: 0.5 d^2 for |d| &lt;= 1, |d| - 0.5 beyond (0.5 q^2 + |d| - q with q = min(|d|, 1)).</summary>
    public static Tensor Huber(Tensor target, Tensor prediction)
    {
        var a = (target - prediction).abs();
        var q = a.clamp_max(Keep.One);
        return q.Squared().mul(Keep.Half).Plus(a - q);
    }
}
