using System.Diagnostics;
using System.Text.Json.Nodes;
using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Training;
using Hybrid.Shaping.Agents;
using Hybrid.Shaping.Grid;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Training;

/// <summary>
/// M-FOS trained by RL in the Coin Game (<c>--method mfos_rl --env coin_game</c>; thesis Table 1 row "M-FOS (RL)"),
/// as pax's <c>pax/conf/experiment/cg/train_mfos_rl.yaml</c> runs it (<c>runner: rl</c>, i.e.
/// <c>pax/runners/runner_marl.py</c>, with <c>pax/agents/mfos_ppo/ppo_gru.py</c> and <c>make_mfos_network</c>):
/// every update is one <see cref="GridTrial"/> against freshly initialised co-players
/// (<see cref="GridCoPlayerKinds.Create"/>: PPO-GRU learners re-initialised by <see cref="IGridSeat.BeginTrial"/>)
/// followed by step-level PPO on the whole trial. Everything else is <see cref="MfosRlTrainer"/>'s (same loss, same
/// optimiser, th stored as an input, no BPTT, no gradient reaching the meta GRU) with the network of
/// <see cref="GridMfosRlNetwork"/>.
/// </summary>
/// <remarks>
/// <para>One difference from the matrix games, also pax's: the Coin Game's <c>done</c> is <c>reset_inner</c>
/// (<c>pax/envs/coin_game.py</c> lines 310 and 354), true on the last step of every episode, and runner_marl stores that
/// done in the M-FOS sample (line 230). GAE over the trial's [outer x inner, rows] samples therefore cuts at every
/// episode end: an episode's last step (which pays nothing and shows the next episode's first observation) bootstraps
/// from nothing, so the agent's return never reaches across episodes even though th does. The matrix game's done is
/// true on the trial's last step only.</para>
/// <para>pax's settings (cg/train_mfos_rl.yaml, block ppo1) are the rl_* defaults: lr 0.005, Adam eps 1e-5, 8
/// minibatches x 2 epochs, gamma 0.96, lambda 0.95, clip 0.2, value coefficient 0.5 with value clipping, entropy 0.1,
/// gradient-norm clip 0.5, hidden 16; pax trains 100 environments x 1 co-player x 600 episodes of 16 steps, the
/// reduced protocol here <see cref="ShapeConfig.For"/>'s 16 x 1 x 100 x 16. Statistics are the ES trainer's
/// (<see cref="GridPopulationTrials.StatNamesOf"/>, computed by <see cref="GridPopulationTrials.Stats"/> from the trial's
/// pickups). Everything random is a function of (seed, update), so a resumed run equals an uninterrupted one.</para>
/// </remarks>
public sealed class GridMfosRlTrainer : IShapeTrainer
{
    /// <summary>The checkpoint's kind (the kernel's state format).</summary>
    public const string CheckpointKind = "mfos-rl-grid-checkpoint";
    /// <summary>The checkpoint's layout version.</summary>
    public const int CheckpointVersion = 1;

    readonly GridMfosRlNetwork network;
    readonly Adam adam;
    readonly GridMfosRlSeat seat;
    readonly IGridSeat coPlayers;
    readonly GridTrial trial;
    readonly GridRecord record;
    readonly TrialLayout layout;
    readonly float[] advantages, targets, lastValues;
    readonly bool[] dones;
    readonly int[] order;
    readonly long[] actionIndex;

    /// <summary>A trainer at update 0 with the configuration's rl_* settings (pax's cg values by default).</summary>
    public GridMfosRlTrainer(ShapeConfig config) : this(config, config.RlConfig) { }

    /// <summary>A trainer at update 0: parameters drawn from the seed, Adam state zero.</summary>
    public GridMfosRlTrainer(ShapeConfig config, MfosRlConfig rl)
    {
        config.Validate();
        rl.Validate();
        if (config.Env != "coin_game") throw new ArgumentException($"the gridworld M-FOS (RL) trainer plays coin_game, not {config.Env}");
        if (config.Averaging != HiddenAveraging.Nothing) throw new ArgumentException($"averaging={config.Averaging.ToString().ToLowerInvariant()}: M-FOS trained by RL takes averaging=nothing");
        Config = config;
        Rl = rl;
        layout = new TrialLayout(config.Coplayers, config.Envs);
        var samples = (long)config.Outer * config.Inner * layout.Rows;
        if (samples > 5_000_000) throw new ArgumentException($"outer x inner x coplayers x envs = {samples} samples per update is too large");
        if (samples % rl.Minibatches != 0) throw new ArgumentException($"outer x inner x coplayers x envs = {samples} samples per update do not divide into {rl.Minibatches} minibatches");
        if (samples / rl.Minibatches < 2) throw new ArgumentException($"{samples} samples in {rl.Minibatches} minibatches leave one sample per minibatch, whose normalised advantage is 0");
        network = new GridMfosRlNetwork(config.Hidden, SplitMix64.Derive((ulong)config.Seed, 0x4D464F53_47524944UL), config.MfosMetaMemory);
        adam = new Adam(network.Store, rl.MaxGradNorm, 0.9, 0.999, rl.AdamEps);
        try
        {
            seat = new GridMfosRlSeat(network.Agent, layout, config.Outer, config.Inner);
            coPlayers = GridCoPlayerKinds.Create(config.Coplayer, config, layout);
            trial = new GridTrial(config.GridGame, layout, config.Outer, config.Inner);
        }
        catch
        {
            adam.Dispose();
            network.Dispose();
            throw;
        }
        record = new GridRecord(layout, config.Outer, config.Inner, detail: false);
        var n = (int)samples;
        advantages = new float[n];
        targets = new float[n];
        dones = new bool[n];
        // The Coin Game's done (reset_inner): the last step of every episode.
        for (var e = 0; e < config.Outer; e++) dones.AsSpan(((e + 1) * config.Inner - 1) * layout.Rows, layout.Rows).Fill(true);
        lastValues = new float[layout.Rows];
        order = new int[n];
        actionIndex = new long[n];
    }

    /// <summary>The trial shape, co-players and seed.</summary>
    public ShapeConfig Config { get; }

    /// <summary>The meta-agent's PPO settings.</summary>
    public MfosRlConfig Rl { get; }

    /// <summary>The architecture the parameters follow (evaluate them with its policy).</summary>
    public GridMfosAgent Agent => network.Agent;

    /// <inheritdoc/>
    public IReadOnlyList<string> StatNames { get; } = GridPopulationTrials.StatNamesOf(GridGame.CoinGame);

    /// <inheritdoc/>
    public float[] Best => Parameters;

    /// <inheritdoc/>
    public float[] Mean => Parameters;

    /// <summary>The agent's reward per step in the last update's trial (played before that update; NaN before the first and after a resume).</summary>
    public double BestFitness { get; private set; } = double.NaN;

    /// <summary>Updates done (one trial each).</summary>
    public int Generation { get; private set; }

    /// <summary>The current parameters in <see cref="GridMfosAgent"/>'s flat layout.</summary>
    public float[] Parameters => network.Parameters;

    /// <summary>The last update's losses (null before the first; not part of a checkpoint).</summary>
    public MfosRlLosses? LastLosses { get; private set; }

    /// <summary>The last update's trial (its pickups and rewards; overwritten by the next update).</summary>
    public GridRecord LastRecord => record;

    /// <summary>Meta-agent steps per update: co-players x envs x outer x inner.</summary>
    public long StepsPerGeneration => (long)layout.Rows * Config.Outer * Config.Inner;

    /// <summary>The trial noise (action uniforms, co-player initialisation and permutations) of update <paramref name="generation"/>.</summary>
    public TrialNoise NoiseOf(int generation) =>
        new(SplitMix64.Derive((ulong)Config.Seed, 0x4D464F53_47000000UL + (ulong)generation), Config.Outer, Config.Inner, layout.Rows);

    /// <summary>
    /// One update: a trial against fresh co-players, GAE over it (cut at every episode end, pax's Coin Game done), then
    /// epochs x minibatches of PPO steps. FitnessMean and FitnessBest are the agent's reward per step over the trial,
    /// FitnessStd its standard deviation over the co-players, CoPlayerReward the co-players' reward per step, Stats
    /// the Coin Game's statistics of the trial; Sigma is 0 (no ES) and LearningRate the PPO step size.
    /// </summary>
    public GenerationMetrics Step()
    {
        var clock = Stopwatch.StartNew();
        seat.Load(network.Parameters);
        trial.Run(seat, coPlayers, NoiseOf(Generation), record);
        if (!double.IsFinite(record.RowTotal) || !double.IsFinite(record.ColumnTotal)) throw new InvalidOperationException("a trial produced a non-finite reward");

        Gae.Compute(seat.Rewards, seat.Values, dones, lastValues, (float)Rl.Gamma, (float)Rl.GaeLambda, advantages, targets);
        LastLosses = Update();
        Generation++;

        var perCoPlayer = seat.CoPlayerReward.Select(r => r / ((double)Config.Outer * Config.Inner * layout.Envs)).ToArray();
        var mean = record.RowPerStep;
        var spread = perCoPlayer.Average();
        var std = Math.Sqrt(perCoPlayer.Average(f => (f - spread) * (f - spread)));
        BestFitness = mean;
        var pickups = record.Pickups.Select(p => (double)p).ToArray();
        var stats = GridPopulationTrials.Stats(Config.GridGame, pickups, record.Interactions, record.InteractionCoins, (double)record.Outer * layout.Rows);
        return new GenerationMetrics(Generation, mean, mean, std, record.ColumnPerStep, stats, 0, Rl.Lr, clock.Elapsed.TotalSeconds);
    }

    MfosRlLosses Update()
    {
        var n = seat.Samples;
        var h = Config.Hidden;
        for (var i = 0; i < n; i++) actionIndex[i] = seat.Actions[i];
        using var scope = NewDisposeScope();
        var observations = tensor(seat.Observations, new long[] { n, Config.GridGame.ObservationSize });
        var th = tensor(seat.Th, new long[] { n, h });
        var hActor = tensor(seat.HiddenActor, new long[] { n, h });
        var hCritic = tensor(seat.HiddenCritic, new long[] { n, h });
        return MfosRlPpo.Update(Rl, adam, tensor(actionIndex), seat.LogProbs, seat.Values, advantages, targets, order, epoch => Permutation(Generation, epoch, order),
            index => network.Evaluate(observations.index_select(0, index), th.index_select(0, index), hActor.index_select(0, index), hCritic.index_select(0, index)));
    }

    // A uniformly random order of the samples for one epoch of one update (pax: jax.random.permutation per epoch).
    void Permutation(int generation, int epoch, int[] result)
    {
        var state = SplitMix64.Start(SplitMix64.Derive(SplitMix64.Derive((ulong)Config.Seed, 0x4D464F53_47504552UL), (ulong)generation * 1_000_003UL + (ulong)epoch));
        SplitMix64.Permutation(ref state, result);
    }

    /// <summary>The header a checkpoint carries: every shaping setting but generations, checkpoint_every and threads, and the PPO settings.</summary>
    public StateHeader CheckpointHeader() => StateHeader.Of(CheckpointKind, CheckpointVersion, $"mfos_rl on {Config.Env}",
        new Dictionary<string, JsonNode?> { ["config"] = ShapeTrainer.Settings(Config), ["mfos_rl"] = JsonNode.Parse(ConfigBinder.ToJson(Rl)) });

    /// <summary>Writes the update count, the parameters and the Adam state: all a resumed run needs to continue bit for bit.</summary>
    public void Save(StateWriter writer) => MfosRlPpo.Save(writer, "mfos-rl-grid", Generation, network.Store, adam);

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader)
    {
        Generation = MfosRlPpo.Load(reader, "mfos-rl-grid", network.Store, adam);
        LastLosses = null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        trial.Dispose();
        (coPlayers as IDisposable)?.Dispose();
        adam.Dispose();
        network.Dispose();
    }
}
