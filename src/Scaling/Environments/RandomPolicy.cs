namespace Hybrid.Scaling.Environments;

/// <summary>
/// Uniformly random actions for every agent of a batch (discrete: uniform over the actions; Box: uniform in the
/// bounds), environment e drawing from its own stream so that the batch size does not change any environment's
/// actions. Used by the speed benchmark, the renderer and tests.
/// </summary>
public sealed class RandomPolicy
{
    readonly VectorEnv env;
    readonly ulong[] rng;
    readonly int[] discrete = Array.Empty<int>();
    readonly float[] continuous = Array.Empty<float>();
    readonly bool isContinuous;
    readonly int[] counts;        // discrete action counts per agent, cached: no interface calls per step
    readonly Box[] boxes;

    /// <summary>Creates the policy for <paramref name="env"/>; environment e's stream starts from <paramref name="seed"/> + e.</summary>
    public RandomPolicy(VectorEnv env, ulong seed)
    {
        this.env = env;
        rng = new ulong[env.NumEnvs];
        for (var e = 0; e < env.NumEnvs; e++) rng[e] = SplitMix64.Start((seed + (ulong)e) ^ 0xB5AD4ECEDA1CE2A9UL);
        isContinuous = env.ActionSpaces.All(s => s is Box);
        if (!isContinuous && !env.ActionSpaces.All(s => s is Discrete))
            throw new NotSupportedException($"{env.Name}: random actions need all-discrete or all-Box action spaces");
        if (isContinuous) continuous = new float[env.ActionSpaces.Sum(s => s.FlatSize) * env.NumEnvs];
        else discrete = new int[env.Agents.Count * env.NumEnvs];
        counts = env.ActionSpaces.Select(s => s is Discrete d ? d.N : 0).ToArray();
        boxes = env.ActionSpaces.OfType<Box>().ToArray();
    }

    /// <summary>Draws every agent's action in every environment and steps the batch.</summary>
    public void Step()
    {
        var n = env.NumEnvs;
        if (isContinuous)
        {
            var offset = 0;
            foreach (var space in boxes)
            {
                var size = space.FlatSize;
                for (var e = 0; e < n; e++)
                    for (var k = 0; k < size; k++)
                        continuous[offset + e * size + k] = space.Low + (space.High - space.Low) * SplitMix64.Unit(ref rng[e]);
                offset += n * size;
            }
            env.Step(continuous);
            return;
        }
        for (var a = 0; a < counts.Length; a++)
        {
            var count = counts[a];
            var block = discrete.AsSpan(a * n, n);
            for (var e = 0; e < n; e++) block[e] = SplitMix64.Below(ref rng[e], count);
        }
        env.Step(discrete);
    }
}
