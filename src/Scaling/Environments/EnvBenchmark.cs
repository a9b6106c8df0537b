using System.Diagnostics;

namespace Hybrid.Scaling.Environments;

/// <summary>One point of an environment benchmark.</summary>
/// <param name="Env">Registry name.</param>
/// <param name="NumEnvs">Environments stepped together.</param>
/// <param name="Steps">Steps of the batch per repetition (each steps every environment once).</param>
/// <param name="Repetitions">How often the T steps were timed (until at least 0.2 s had passed).</param>
/// <param name="Seconds">Wall time of all timed steps.</param>
/// <param name="Episodes">Episodes that ended (and auto-reset) during the timed steps.</param>
public sealed record EnvBenchmarkPoint(string Env, int NumEnvs, int Steps, int Repetitions, double Seconds, long Episodes)
{
    /// <summary>Environment steps per second: NumEnvs x Steps x Repetitions / Seconds (JaxMARL's measure).</summary>
    public double StepsPerSecond => (double)NumEnvs * Steps * Repetitions / Seconds;
}

/// <summary>
/// JaxMARL's speed method (anchors.md): random actions, N environments in parallel, T steps, SPS = N T / seconds,
/// resets included. Random actions are drawn per environment and agent inside the timed loop, as JaxMARL samples
/// them inside its jitted loop. JaxMARL times after compilation; here the JIT gets 0.3 s of warm-up steps (so
/// tiered compilation has optimised the loop), and short runs are repeated until 0.2 s have been timed.
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

        var warmUp = Stopwatch.StartNew();
        for (var k = 0; k < 50 || warmUp.Elapsed.TotalSeconds < 0.3; k++) { Sample(); env.Step(actions); }
        env.Reset(seed);
        long episodes = 0;
        var repetitions = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            for (var k = 0; k < steps; k++)
            {
                Sample();
                env.Step(actions);
                foreach (var done in env.AllDones) if (done) episodes++;
            }
            repetitions++;
        } while (clock.Elapsed.TotalSeconds < 0.2);
        return new EnvBenchmarkPoint(name, numEnvs, steps, repetitions, clock.Elapsed.TotalSeconds, episodes);
    }
}
