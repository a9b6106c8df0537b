namespace Hybrid.Shaping.CoPlayers;

/// <summary>
/// The naive learners of one member's trial: one <see cref="TabularPpoLearner"/> per co-player, each updated after
/// every episode on its environments' trajectories (pax's <c>batch_update</c>) and re-initialised at the start of each
/// trial. A hardstop learner (<paramref name="stopAfter"/> = k) learns during the first k episodes only; later updates
/// are computed and discarded, as pax's hardstop evaluation does. With <paramref name="randomStop"/> every co-player
/// draws its own stop at each trial start, as pax's hardstop training runner (<c>runner_evo_hardstop</c>) does: a
/// counter c ~ U(1, outer), lowered by one per episode, with the step size zero once c &lt;= 0, so co-player o learns in
/// the first ceil(c_o) episodes. The draw is a function of the generation's seed, the seat and o (common to the
/// population, as pax's).
/// </summary>
public sealed class TabularPpoSeat(TabularPpoConfig config, TrialLayout layout, int? stopAfter = null, bool randomStop = false) : ISeat
{
    readonly int[] stops = new int[layout.CoPlayers];
    readonly TabularPpoLearner[] learners = Enumerable.Range(0, layout.CoPlayers).Select(_ => new TabularPpoLearner(config)).ToArray();
    readonly float[] probCooperateTable = new float[layout.CoPlayers * 5];
    byte[] states = Array.Empty<byte>(), actions = Array.Empty<byte>();
    float[] rewards = Array.Empty<float>();
    readonly PermutationSource[] permutations = new PermutationSource[layout.CoPlayers];
    TrialNoise? noise;
    int seat, steps, episode;

    /// <summary>The learners (one per co-player), e.g. to read their tables after a trial.</summary>
    public IReadOnlyList<TabularPpoLearner> Learners => learners;

    /// <inheritdoc/>
    public void BeginTrial(TrialNoise noise, int seat)
    {
        for (var o = 0; o < permutations.Length; o++)
        {
            var coPlayer = o;
            permutations[o] ??= (epoch, order) => this.noise!.Permutation(this.seat, episode, coPlayer, epoch, order);
        }
        this.noise = noise;
        this.seat = seat;
        steps = noise.Inner;
        var n = layout.Rows * steps;
        if (states.Length != n) { states = new byte[n]; actions = new byte[n]; rewards = new float[n]; }
        foreach (var learner in learners) learner.Reset();
        for (var o = 0; o < stops.Length; o++) stops[o] = randomStop ? RandomStop(noise, seat, o) : stopAfter ?? int.MaxValue;
    }

    /// <summary>The stop of co-player <paramref name="coPlayer"/> under <paramref name="noise"/>: ceil(c), c ~ U(1, outer).</summary>
    public static int RandomStop(TrialNoise noise, int seat, int coPlayer)
    {
        var state = SplitMix64.Start(SplitMix64.Derive(noise.Seed ^ 0x4A5D_570FUL, (ulong)(seat * 1_000_003L + coPlayer)));
        var c = 1 + (noise.Outer - 1) * SplitMix64.Unit(ref state);
        return Math.Max(1, (int)Math.Ceiling(c));
    }

    /// <summary>The episodes co-player o learns in during the current trial (int.MaxValue: no stop).</summary>
    public int StopOf(int coPlayer) => stops[coPlayer];

    /// <inheritdoc/>
    public void BeginEpisode(int episode)
    {
        for (var o = 0; o < learners.Length; o++)
            for (var s = 0; s < 5; s++) probCooperateTable[o * 5 + s] = (float)learners[o].ProbCooperate(s);
    }

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<byte> observations, Span<float> probCooperate)
    {
        var envs = layout.Envs;
        for (var r = 0; r < observations.Length; r++) probCooperate[r] = probCooperateTable[r / envs * 5 + observations[r]];
    }

    /// <inheritdoc/>
    public void Observe(int step, ReadOnlySpan<byte> observations, ReadOnlySpan<byte> actionsTaken, ReadOnlySpan<float> rewardsGot)
    {
        // learner o's samples are [env, step], consecutive per co-player
        for (var r = 0; r < observations.Length; r++)
        {
            var i = r * steps + step;
            states[i] = observations[r];
            actions[i] = actionsTaken[r];
            rewards[i] = rewardsGot[r];
        }
    }

    /// <inheritdoc/>
    public void EndEpisode(int episode)
    {
        this.episode = episode;
        var n = layout.Envs * steps;
        for (var o = 0; o < learners.Length; o++)
            learners[o].Update(states.AsSpan(o * n, n), actions.AsSpan(o * n, n), rewards.AsSpan(o * n, n), layout.Envs, steps, MatrixPayoff.Start, permutations[o], episode < stops[o]);
    }
}

/// <summary>
/// A fixed strategy of the matrix games as pax's <c>strategies.py</c> has them: P(cooperate | state) per state CC, CD,
/// DC, DD, START from the player's own view, the same for every row, never learning.
/// </summary>
public sealed class FixedStrategySeat : ISeat
{
    readonly float[] table;

    /// <summary>A strategy called <paramref name="name"/> with the table <paramref name="probCooperate"/> [5].</summary>
    public FixedStrategySeat(string name, IReadOnlyList<double> probCooperate)
    {
        if (probCooperate.Count != 5 || probCooperate.Any(p => !(p is >= 0 and <= 1))) throw new ArgumentException("a strategy gives P(cooperate) in [0, 1] for each of the 5 states");
        Name = name;
        table = probCooperate.Select(p => (float)p).ToArray();
    }

    /// <summary>The strategy's name.</summary>
    public string Name { get; }

    /// <summary>Copies the opponent's last action; cooperates at START (pax: states CD and DD defect).</summary>
    public static FixedStrategySeat TitForTat() => new("tit_for_tat", new double[] { 1, 0, 1, 0, 1 });

    /// <summary>Always defects.</summary>
    public static FixedStrategySeat AlwaysDefect() => new("always_defect", new double[] { 0, 0, 0, 0, 0 });

    /// <summary>Always cooperates (pax's Altruistic).</summary>
    public static FixedStrategySeat AlwaysCooperate() => new("always_cooperate", new double[] { 1, 1, 1, 1, 1 });

    /// <summary>pax's GrimTrigger: cooperates only after CC and at START (a one-step trigger: the observation is its memory).</summary>
    public static FixedStrategySeat Grim() => new("grim", new double[] { 1, 0, 0, 0, 1 });

    /// <summary>Cooperates with probability 1/2 everywhere.</summary>
    public static FixedStrategySeat Random() => new("random", new double[] { 0.5, 0.5, 0.5, 0.5, 0.5 });

    /// <inheritdoc/>
    public void BeginTrial(TrialNoise noise, int seat) { }

    /// <inheritdoc/>
    public void BeginEpisode(int episode) { }

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<byte> observations, Span<float> probCooperate)
    {
        for (var r = 0; r < observations.Length; r++) probCooperate[r] = table[observations[r]];
    }

    /// <inheritdoc/>
    public void Observe(int step, ReadOnlySpan<byte> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

    /// <inheritdoc/>
    public void EndEpisode(int episode) { }
}

/// <summary>
/// Frozen tabular policies, one per co-player slot (PT-NL: the policies a co-trained pair reached, played against fresh
/// learners; T:952). Row r plays the table of its slot r / envs.
/// </summary>
public sealed class FrozenTablesSeat : ISeat
{
    readonly float[] tables;
    readonly int envs;

    /// <summary>Plays P(cooperate | state) tables [slot][5] over a layout with one slot per co-player.</summary>
    public FrozenTablesSeat(IReadOnlyList<double[]> probCooperate, TrialLayout layout)
    {
        if (probCooperate.Count != layout.CoPlayers || probCooperate.Any(t => t.Length != 5)) throw new ArgumentException("one table of 5 probabilities per co-player is needed");
        tables = probCooperate.SelectMany(t => t).Select(p => (float)p).ToArray();
        envs = layout.Envs;
    }

    /// <summary>The tables of trained learners.</summary>
    public static FrozenTablesSeat Of(IEnumerable<TabularPpoLearner> learners, TrialLayout layout) =>
        new(learners.Select(l => Enumerable.Range(0, 5).Select(l.ProbCooperate).ToArray()).ToArray(), layout);

    /// <inheritdoc/>
    public void BeginTrial(TrialNoise noise, int seat) { }

    /// <inheritdoc/>
    public void BeginEpisode(int episode) { }

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<byte> observations, Span<float> probCooperate)
    {
        for (var r = 0; r < observations.Length; r++) probCooperate[r] = tables[r / envs * 5 + observations[r]];
    }

    /// <inheritdoc/>
    public void Observe(int step, ReadOnlySpan<byte> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

    /// <inheritdoc/>
    public void EndEpisode(int episode) { }
}

/// <summary>
/// Co-player kinds by name, as the command line and configurations give them: <c>tabular</c> (tabular PPO naive
/// learner), <c>hardstop:K</c> (tabular PPO that stops learning after K episodes), <c>hardstop:random</c> (each
/// co-player stops after its own random number of episodes, pax's hardstop training), <c>tit_for_tat</c>,
/// <c>always_defect</c>, <c>always_cooperate</c>, <c>grim</c>, <c>random</c>.
/// </summary>
public static class CoPlayerKinds
{
    /// <summary>The names accepted by <see cref="Create"/>.</summary>
    public const string Names = "tabular, hardstop:K, hardstop:random, tit_for_tat, always_defect, always_cooperate, grim, random";

    /// <summary>Throws a clear error unless <paramref name="kind"/> names a co-player.</summary>
    public static void Validate(string kind) => Create(kind, new TabularPpoConfig(), new TrialLayout(1, 1));

    /// <summary>A seat of the named kind for one member's trial batch.</summary>
    public static ISeat Create(string kind, TabularPpoConfig config, TrialLayout layout) => kind switch
    {
        "tabular" => new TabularPpoSeat(config, layout),
        "tit_for_tat" => FixedStrategySeat.TitForTat(),
        "always_defect" => FixedStrategySeat.AlwaysDefect(),
        "always_cooperate" => FixedStrategySeat.AlwaysCooperate(),
        "grim" => FixedStrategySeat.Grim(),
        "random" => FixedStrategySeat.Random(),
        "hardstop:random" => new TabularPpoSeat(config, layout, randomStop: true),
        _ when kind.StartsWith("hardstop:", StringComparison.Ordinal) =>
            int.TryParse(kind["hardstop:".Length..], out var k) && k >= 0
                ? new TabularPpoSeat(config, layout, k)
                : throw new ArgumentException($"co-player '{kind}': hardstop needs a non-negative episode count, e.g. hardstop:2"),
        _ => throw new ArgumentException($"unknown co-player '{kind}' (available: {Names})"),
    };
}
