using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Grid;

// Its own namespace: the co-players may depend only on the library's root (the layering test), and the Grid namespace
// should not learn about co-players, so the seat that joins the two lives beside both.
namespace Hybrid.Shaping.GridCoPlayers;

/// <summary>
/// The PPO-GRU naive learners of one member's gridworld trial (pax's 'PPO_memory' co-player): one
/// <see cref="GruPpoLearner{T}"/> per co-player over its <see cref="TrialLayout.Envs"/> rows (row = o x E + e). Every
/// trial re-initialises each learner from a seed derived from the generation's seed, the seat and the co-player only,
/// so co-player o starts from the same network for every population member (common random numbers). The memory is
/// zeroed every episode (pax resets the co-player's memory per episode) and each learner takes one PPO update after
/// every episode. A hardstop seat (<c>stopAfter</c> = k) learns during the first k episodes only.
/// </summary>
public sealed class GruPpoSeat : IGridSeat
{
    /// <summary>Salt of the learners' initialisation streams, apart from every other use of the generation's seed.</summary>
    const ulong InitSalt = 0x4752555F50504F31UL; // "GRU_PPO1"

    readonly GruPpoConfig config;
    readonly GruPpoInput input;
    readonly TrialLayout layout;
    readonly int? stopAfter;
    readonly PermutationSource[] permutations;
    GruPpoLearner<float>[] learners = Array.Empty<GruPpoLearner<float>>();
    TrialNoise? noise;
    int seat, episode;

    /// <summary>A seat of <paramref name="layout"/>.CoPlayers learners playing <paramref name="game"/>.</summary>
    /// <param name="config">The learners' settings (<see cref="GruPpoConfig.CoinGame"/>, <see cref="GruPpoConfig.InTheMatrix"/>).</param>
    /// <param name="game">The gridworld, which fixes the observation the network reads.</param>
    /// <param name="layout">Co-players and environments of one member's trial.</param>
    /// <param name="stopAfter">Learn in episodes 0..k-1 only (the hardstop co-player); null learns throughout.</param>
    public GruPpoSeat(GruPpoConfig config, GridGame game, TrialLayout layout, int? stopAfter = null)
    {
        layout.Validate();
        config.Validate();
        if (stopAfter is < 0) throw new ArgumentOutOfRangeException(nameof(stopAfter), stopAfter, "a hardstop needs a non-negative episode count");
        input = InputOf(game);
        input.Validate(config.Torso);
        this.config = config;
        this.layout = layout;
        this.stopAfter = stopAfter;
        permutations = new PermutationSource[layout.CoPlayers];
        for (var o = 0; o < permutations.Length; o++)
        {
            var coPlayer = o;
            permutations[o] = (epoch, order) => noise!.Permutation(seat, episode, coPlayer, epoch, order);
        }
    }

    /// <summary>The observation geometry of a gridworld as the learner reads it.</summary>
    public static GruPpoInput InputOf(GridGame game) => new(game.ObservationSize, game.ViewSide, game.ViewChannels, game.Inventory, game.Actions);

    /// <summary>
    /// The seed co-player <paramref name="coPlayer"/> of <paramref name="seat"/> is initialised from: a function of the
    /// generation's seed, the seat and the co-player only, never of the population member.
    /// </summary>
    public static ulong InitSeed(ulong generationSeed, int seat, int coPlayer) =>
        SplitMix64.Derive(SplitMix64.Derive(generationSeed, InitSalt), (ulong)seat * 1_000_003UL + (ulong)coPlayer);

    /// <summary>Whether the learners are frozen (<see cref="Freeze"/>).</summary>
    public bool Frozen { get; private set; }

    /// <summary>
    /// Keeps the learners' current networks: later trials neither re-initialise nor update them (a pre-trained co-player,
    /// the PT-NL opponent of the competency check). Needs a finished trial.
    /// </summary>
    public void Freeze()
    {
        if (learners.Length == 0) throw new InvalidOperationException("only a seat that has played a trial can be frozen");
        Frozen = true;
    }

    /// <summary>The learners (one per co-player), e.g. to read their parameters after a trial.</summary>
    public IReadOnlyList<GruPpoLearner<float>> Learners => learners;

    /// <inheritdoc/>
    public void BeginTrial(TrialNoise noise, int seat)
    {
        if (noise.Rows != layout.Rows) throw new ArgumentException($"the trial's noise has {noise.Rows} rows, the seat {layout.Rows}");
        if (Frozen)
        {
            if (learners[0].Samples != layout.Envs * noise.Inner) throw new ArgumentException($"a frozen seat plays episodes of the length it learned with ({learners[0].Samples / layout.Envs} steps), not {noise.Inner}");
            this.noise = noise;
            this.seat = seat;
            return;
        }
        if (learners.Length == 0 || learners[0].Samples != layout.Envs * noise.Inner)
            learners = Enumerable.Range(0, layout.CoPlayers).Select(_ => new GruPpoLearner<float>(config, input, layout.Envs, noise.Inner)).ToArray();
        this.noise = noise;
        this.seat = seat;
        for (var o = 0; o < learners.Length; o++) learners[o].Reset(InitSeed(noise.Seed, seat, o));
    }

    /// <inheritdoc/>
    public void BeginEpisode(int episode)
    {
        this.episode = episode;
        foreach (var learner in learners) learner.ResetMemory();
    }

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<float> observations, Span<float> probabilities)
    {
        int e = layout.Envs, n = input.ObservationSize, a = input.Actions;
        for (var o = 0; o < learners.Length; o++)
            learners[o].Act(observations.Slice(o * e * n, e * n), probabilities.Slice(o * e * a, e * a));
    }

    /// <inheritdoc/>
    public void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards)
    {
        int e = layout.Envs, n = input.ObservationSize;
        for (var o = 0; o < learners.Length; o++)
            learners[o].Observe(step, observations.Slice(o * e * n, e * n), actions.Slice(o * e, e), rewards.Slice(o * e, e));
    }

    /// <inheritdoc/>
    public void EndEpisode(int episode, ReadOnlySpan<float> nextObservations)
    {
        this.episode = episode;
        if (Frozen) return;
        int e = layout.Envs, n = input.ObservationSize;
        var apply = stopAfter is not { } k || episode < k;
        for (var o = 0; o < learners.Length; o++)
            learners[o].Update(nextObservations.Slice(o * e * n, e * n), permutations[o], apply);
    }
}
