using System.Diagnostics;

namespace Hybrid.Scaling.Environments;

/// <summary>One point of an environment benchmark.</summary>
/// <param name="Env">Registry name.</param>
/// <param name="NumEnvs">Environments stepped together.</param>
/// <param name="Steps">Steps of the batch (each steps every environment once).</param>
/// <param name="Seconds">Wall time of the timed steps.</param>
/// <param name="Episodes">Episodes that ended (and auto-reset) during the timed steps.</param>
public sealed record EnvBenchmarkPoint(string Env, int NumEnvs, int Steps, double Seconds, long Episodes)
{
    /// <summary>Environment steps per second: NumEnvs x Steps / Seconds (JaxMARL's measure).</summary>
    public double StepsPerSecond => (double)NumEnvs * Steps / Seconds;
}

/// <summary>
/// JaxMARL's speed method (anchors.md): random actions, N environments in parallel, T steps, SPS = N T / seconds,
/// resets included. Random actions are drawn per environment and agent inside the timed loop, as JaxMARL samples
/// them inside its jitted loop.
/// </summary>
public static class EnvBenchmark
{
    /// <summary>Measures <paramref name="name"/> at <paramref name="numEnvs"/> environments for <paramref name="steps"/> steps.</summary>
    public static EnvBenchmarkPoint Run(string name, int numEnvs, int steps, ulong seed = 0)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "at least one step is needed");
        using var env = EnvRegistry.Create(name, numEnvs);
        env.Reset(seed);
        var agents = env.Agents.Count;
        var sizes = env.ActionSpaces.Select(s => s is Discrete d ? d.N : throw new NotSupportedException($"{name}: only discrete action spaces are benchmarked")).ToArray();
        var actions = new int[agents * numEnvs];
        var rng = new ulong[numEnvs];
        for (var e = 0; e < numEnvs; e++) rng[e] = EnvRandom.Start(seed ^ 0xB5AD4ECEDA1CE2A9UL ^ (ulong)e);

        void Sample()
        {
            for (var a = 0; a < agents; a++)
            {
                var block = actions.AsSpan(a * numEnvs, numEnvs);
                var n = sizes[a];
                for (var e = 0; e < block.Length; e++) block[e] = EnvRandom.Below(ref rng[e], n);
            }
        }

        // Warm-up: JIT and first touch of every array.
        for (var k = 0; k < Math.Min(steps, 20); k++) { Sample(); env.Step(actions); }
        long episodes = 0;
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < steps; k++)
        {
            Sample();
            env.Step(actions);
            foreach (var done in env.AllDones) if (done) episodes++;
        }
        return new EnvBenchmarkPoint(name, numEnvs, steps, clock.Elapsed.TotalSeconds, episodes);
    }
}
