namespace Hybrid.Scaling.Training;

/// <summary>One finished episode of one training seed.</summary>
/// <param name="EnvSteps">Environment steps of that seed when the episode ended (all its environments counted).</param>
/// <param name="AgentReturns">Undiscounted return of each agent.</param>
/// <param name="Length">Steps of the episode.</param>
public sealed record Episode(long EnvSteps, float[] AgentReturns, int Length)
{
    /// <summary>Mean over agents of the returns (the reported return).</summary>
    public double Return => AgentReturns.Average(r => (double)r);
}

/// <summary>
/// Running returns and lengths of S seeds x E environments x A agents, and the finished episodes of each seed.
/// Rewards arrive in the trainers' actor layout [S, A, E]; an episode ends when its environment's "__all__" done is set.
/// </summary>
public sealed class EpisodeStats
{
    readonly int seeds, agents, envs;
    readonly float[] running;   // [S, A, E]
    readonly int[] lengths;     // [S, E]
    readonly List<Episode>[] finished;

    /// <summary>Creates empty statistics.</summary>
    public EpisodeStats(int seeds, int agents, int envs)
    {
        (this.seeds, this.agents, this.envs) = (seeds, agents, envs);
        running = new float[seeds * agents * envs];
        lengths = new int[seeds * envs];
        finished = Enumerable.Range(0, seeds).Select(_ => new List<Episode>()).ToArray();
    }

    /// <summary>Finished episodes of seed s, in order.</summary>
    public IReadOnlyList<Episode> Finished(int seed) => finished[seed];

    /// <summary>
    /// Adds one step: <paramref name="rewards"/> [S, A, E], <paramref name="episodeDone"/>[s * E + e] the environment's
    /// "__all__" done; <paramref name="envSteps"/> is each seed's step count after this step.
    /// </summary>
    public void Add(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> episodeDone, long envSteps)
    {
        for (var s = 0; s < seeds; s++)
            for (var e = 0; e < envs; e++)
            {
                lengths[s * envs + e]++;
                for (var a = 0; a < agents; a++) running[(s * agents + a) * envs + e] += rewards[(s * agents + a) * envs + e];
                if (!episodeDone[s * envs + e]) continue;
                var returns = new float[agents];
                for (var a = 0; a < agents; a++)
                {
                    returns[a] = running[(s * agents + a) * envs + e];
                    running[(s * agents + a) * envs + e] = 0;
                }
                finished[s].Add(new Episode(envSteps, returns, lengths[s * envs + e]));
                lengths[s * envs + e] = 0;
            }
    }

    /// <summary>Finished episodes per seed so far (pass to <see cref="Since"/>).</summary>
    public int[] Counts() => finished.Select(f => f.Count).ToArray();

    /// <summary>Per seed, the episodes finished since <paramref name="before"/> (from <see cref="Counts"/>) and their mean return (NaN for none).</summary>
    public (double[] Counts, double[] Returns) Since(IReadOnlyList<int> before)
    {
        var counts = new double[seeds];
        var returns = new double[seeds];
        for (var s = 0; s < seeds; s++)
        {
            counts[s] = finished[s].Count - before[s];
            returns[s] = counts[s] == 0 ? double.NaN : finished[s].Skip(before[s]).Average(ep => ep.Return);
        }
        return (counts, returns);
    }

    /// <summary>Forgets the episodes in progress (their running returns and lengths): the environments were reset.</summary>
    public void ClearRunning()
    {
        Array.Clear(running);
        Array.Clear(lengths);
    }

    /// <summary>Mean return of seed s's last <paramref name="fraction"/> of finished episodes (at least one); NaN when none finished.</summary>
    public double FinalReturn(int seed, double fraction = 0.1) => MeanOfLast(finished[seed].Select(ep => ep.Return).ToList(), fraction);

    /// <summary>Mean of the last <paramref name="fraction"/> of <paramref name="values"/> (at least one value); NaN when there are none.</summary>
    public static double MeanOfLast(IReadOnlyList<double> values, double fraction)
    {
        if (values.Count == 0) return double.NaN;
        var count = Math.Max(1, (int)Math.Ceiling(values.Count * fraction));
        return values.Skip(values.Count - count).Average();
    }

    /// <summary>Writes the running sums and the finished episodes.</summary>
    public void Save(BinaryWriter w)
    {
        foreach (var x in running) w.Write(x);
        foreach (var x in lengths) w.Write(x);
        foreach (var list in finished)
        {
            w.Write(list.Count);
            foreach (var ep in list)
            {
                w.Write(ep.EnvSteps);
                w.Write(ep.Length);
                foreach (var r in ep.AgentReturns) w.Write(r);
            }
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote (for the same shape).</summary>
    public void Load(BinaryReader r)
    {
        for (var k = 0; k < running.Length; k++) running[k] = r.ReadSingle();
        for (var k = 0; k < lengths.Length; k++) lengths[k] = r.ReadInt32();
        foreach (var list in finished)
        {
            list.Clear();
            for (var n = r.ReadInt32(); n > 0; n--)
            {
                var steps = r.ReadInt64();
                var length = r.ReadInt32();
                var returns = new float[agents];
                for (var a = 0; a < agents; a++) returns[a] = r.ReadSingle();
                list.Add(new Episode(steps, returns, length));
            }
        }
    }
}
