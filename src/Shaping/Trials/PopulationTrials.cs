using Hybrid.Shaping.Agents;

namespace Hybrid.Shaping.Trials;

/// <summary>
/// Evaluates a population of meta-agent parameter vectors, each against its own freshly initialised co-players, on the
/// same common random numbers: the members are independent, so they run in parallel on <see cref="Threads"/> workers,
/// each with its own policy, co-player seat and trial buffers, and the results do not depend on the thread count.
/// </summary>
public sealed class PopulationTrials
{
    readonly IMetaAgent agent;
    readonly Func<TrialLayout, ISeat> coPlayers;
    readonly MatrixPayoff game;

    /// <summary>Trials of <paramref name="agent"/> (row player) against <paramref name="coPlayers"/> (column player).</summary>
    public PopulationTrials(IMetaAgent agent, Func<TrialLayout, ISeat> coPlayers, MatrixPayoff game, TrialLayout layout, int outer, int inner, int threads = 0)
    {
        layout.Validate();
        this.agent = agent;
        this.coPlayers = coPlayers;
        this.game = game;
        Layout = layout;
        Outer = outer;
        Inner = inner;
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _ = new MatrixTrial(game, layout, outer, inner); // validates the sizes
        coPlayers(layout);
    }

    /// <summary>Co-players x environments per member.</summary>
    public TrialLayout Layout { get; }
    /// <summary>Episodes per trial.</summary>
    public int Outer { get; }
    /// <summary>Steps per episode.</summary>
    public int Inner { get; }
    /// <summary>Worker threads.</summary>
    public int Threads { get; }

    /// <summary>The common random numbers of a trial of this shape from <paramref name="seed"/>.</summary>
    public TrialNoise Noise(ulong seed) => new(seed, Outer, Inner, Layout.Rows);

    /// <summary>
    /// Runs one trial per member of <paramref name="population"/> ([members x parameters], row-major) on
    /// <paramref name="noise"/>; returns each member's record.
    /// </summary>
    public TrialRecord[] Run(float[] population, TrialNoise noise, bool detail = false)
    {
        var d = agent.ParameterCount;
        if (population.Length % d != 0) throw new ArgumentException($"a population of {agent.Name} vectors has a multiple of {d} entries, got {population.Length}");
        var members = population.Length / d;
        var records = new TrialRecord[members];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        Parallel.For(0, members, options,
            () => (Policy: agent.CreatePolicy(Layout), CoPlayers: coPlayers(Layout), Trial: new MatrixTrial(game, Layout, Outer, Inner)),
            (member, _, worker) =>
            {
                worker.Policy.Load(population.AsSpan(member * d, d));
                var record = new TrialRecord(Layout, Outer, Inner, detail);
                worker.Trial.Run(worker.Policy, worker.CoPlayers, noise, record);
                records[member] = record;
                return worker;
            },
            _ => { });
        return records;
    }
}
