using System.Diagnostics;

using Hybrid.Scaling.Environments;

namespace Hybrid.Scaling.Catalog;

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
        var policy = new RandomPolicy(env, seed);
        var warmUp = Stopwatch.StartNew();
        for (var k = 0; k < 50 || warmUp.Elapsed.TotalSeconds < 0.3; k++) policy.Step();
        env.Reset(seed);
        long episodes = 0;
        var repetitions = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            for (var k = 0; k < steps; k++)
            {
                policy.Step();
                foreach (var done in env.AllDones) if (done) episodes++;
            }
            repetitions++;
        } while (clock.Elapsed.TotalSeconds < 0.2);
        return new EnvBenchmarkPoint(name, numEnvs, steps, repetitions, clock.Elapsed.TotalSeconds, episodes);
    }
}
