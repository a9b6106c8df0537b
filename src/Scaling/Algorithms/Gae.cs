namespace Hybrid.Scaling.Algorithms;

/// <summary>Generalised advantage estimation with done masks, PureJaxRL's scan written as a loop over time.</summary>
public static class Gae
{
    /// <summary>
    /// Advantages and value targets for a rollout of T steps of W actors, arrays laid out [T, W]. dones[t] is the done
    /// flag of the step that produced rewards[t] (the episode ended there, so values[t + 1] belongs to a new episode);
    /// lastValues [W] are the values of the observations after the last step. Backwards in t:
    /// delta = r_t + gamma V_{t+1} (1 - d_t) - V_t, A_t = delta + gamma lambda (1 - d_t) A_{t+1}; targets = A + V.
    /// </summary>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<bool> dones, ReadOnlySpan<float> lastValues,
        float gamma, float lambda, Span<float> advantages, Span<float> targets)
    {
        var width = lastValues.Length;
        if (width == 0 || rewards.Length % width != 0) throw new ArgumentException($"rewards ({rewards.Length}) must be T x {width} actors");
        var steps = rewards.Length / width;
        if (values.Length != rewards.Length || dones.Length != rewards.Length || advantages.Length != rewards.Length || targets.Length != rewards.Length)
            throw new ArgumentException("rewards, values, dones, advantages and targets must have the same length T x W");
        for (var w = 0; w < width; w++)
        {
            float gae = 0, next = lastValues[w];
            for (var t = steps - 1; t >= 0; t--)
            {
                var k = t * width + w;
                var notDone = dones[k] ? 0f : 1f;
                var delta = rewards[k] + gamma * next * notDone - values[k];
                gae = delta + gamma * lambda * notDone * gae;
                advantages[k] = gae;
                targets[k] = gae + values[k];
                next = values[k];
            }
        }
    }
}
