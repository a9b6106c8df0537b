using System.Diagnostics;
using System.Text.Json.Nodes;
using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Training;
using Hybrid.Shaping.Agents;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Trials;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Training;

/// <summary>The losses of one M-FOS (RL) update, means over its epochs x minibatches.</summary>
/// <param name="Total">policy + value_coef value - entropy_coef entropy.</param>
/// <param name="Policy">Clipped surrogate loss.</param>
/// <param name="Value">pax's value loss: mean of max(unclipped, clipped) squared error (no factor 0.5).</param>
/// <param name="Entropy">Mean policy entropy.</param>
/// <param name="ApproxKl">Mean of old minus new log-probability.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
public sealed record MfosRlLosses(double Total, double Policy, double Value, double Entropy, double ApproxKl, double GradNorm);

/// <summary>
/// M-FOS trained by RL in the finite matrix games (<c>--method mfos_rl</c>), as pax's <c>runner: rl</c> has it
/// (<c>pax/runners/runner_marl.py</c> with <c>pax/agents/mfos_ppo/ppo_gru.py</c>): every update is one trial against
/// freshly initialised co-players followed by step-level PPO on the whole trial. This is not the meta-level PPO of
/// Lu et al. 2022; the conditioning vector th is a deterministic output stored with each step as an input.
/// </summary>
/// <remarks>
/// <para>What pax does, and this trainer mirrors (line numbers of runner_marl.py and ppo_gru.py at pax's last commit):</para>
/// <list type="bullet">
/// <item>One update = one trial (<c>_rollout</c>, runner_marl 319-473): outer episodes of inner steps over co-players x
/// envs rows; the co-players are re-initialised at its start (env_type meta, 347-350; here <see cref="ISeat.BeginTrial"/>
/// of <see cref="TabularPpoSeat"/>) and update after every episode (299-304); the agent's memory is reset at the start
/// and after the update (338, 420: hidden 0, th 1).</item>
/// <item>Each step stores obs, action, reward, behaviour log-prob and value, done, the hidden state before the step and
/// th (225-235). After each episode <c>meta_policy</c> sets th to the last step's th_next and zeroes every hidden state,
/// the meta GRU's too (ppo_gru 531-543; <see cref="ShapeConfig.MfosMetaMemory"/> = trial keeps the meta state).</item>
/// <item>The update sees the trial as [outer x inner, co-players x envs] (<c>reduce_outer_traj</c>, 55-65). The
/// matrix game's done is true only on the trial's last step (<c>reset_outer</c>, pax/envs/iterated_matrix_game.py 78),
/// so GAE (ppo_gru 110-137) runs over the whole trial: the last step of an episode bootstraps from the value of the
/// next episode's first (START) step under the new th, and the trial's last step from nothing (prepare_batch, 428-451,
/// zeroes the bootstrap value when done).</item>
/// <item>No backpropagation through time: the loss re-applies the network for one step from each stored hidden state
/// with the stored th (152-154); samples are shuffled over time x rows each epoch (326) into equal minibatches
/// (330-335); advantages are normalised per minibatch with the population std + 1e-8 (289-292); clipped surrogate,
/// value loss coef x mean(max(unclipped, clipped)^2) with the ratio clip as the value clip (no 0.5), constant entropy
/// bonus (162-210); optax clip_by_global_norm, scale_by_adam(eps), scale(-lr) (616-620).</item>
/// <item>Consequence of that loss: the meta GRU, its embedding and meta_out receive no gradient, so in pax's M-FOS (RL)
/// they keep their initial values for the whole run; th varies only as the fixed random meta network maps each
/// episode's observations. This trainer reproduces that (their gradient is exactly 0 and Adam leaves them unchanged).</item>
/// </list>
/// <para>Differences kept deliberately: actions are drawn from the trial's common uniforms (<see cref="TrialNoise"/>)
/// instead of the agent's JAX key, the minibatch permutations from SplitMix64 streams, and the initial parameters
/// from a torch generator (same distributions as Haiku's). Everything random is a function of (seed, update), so a
/// resumed run equals an uninterrupted one. Averaging (pax's mfos avg network) is refused: in pax's loss it would
/// average over a shuffled minibatch.</para>
/// </remarks>
public sealed class MfosRlTrainer : IShapeTrainer
{
    /// <summary>The checkpoint's kind (the kernel's state format).</summary>
    public const string CheckpointKind = "mfos-rl-checkpoint";
    /// <summary>The checkpoint's layout version.</summary>
    public const int CheckpointVersion = 1;

    readonly MfosRlNetwork network;
    readonly Adam adam;
    readonly MfosRlSeat seat;
    readonly ISeat coPlayers;
    readonly MatrixTrial trial;
    readonly TrialRecord record;
    readonly TrialLayout layout;
    readonly float[] advantages, targets, lastValues;
    readonly bool[] dones;
    readonly int[] order;
    readonly long[] observationIndex, actionIndex;

    /// <summary>A trainer at update 0 with the configuration's rl_* settings (pax's by default).</summary>
    public MfosRlTrainer(ShapeConfig config) : this(config, config.RlConfig) { }

    /// <summary>A trainer at update 0: parameters drawn from the seed, Adam state zero.</summary>
    public MfosRlTrainer(ShapeConfig config, MfosRlConfig rl)
    {
        config.Validate();
        rl.Validate();
        if (config.Averaging != HiddenAveraging.Nothing) throw new ArgumentException($"averaging={config.Averaging.ToString().ToLowerInvariant()}: M-FOS trained by RL takes averaging=nothing (pax's avg network would average over the shuffled minibatch in its loss)");
        Config = config;
        Rl = rl;
        layout = new TrialLayout(config.Coplayers, config.Envs);
        var samples = (long)config.Outer * config.Inner * layout.Rows;
        if (samples > 50_000_000) throw new ArgumentException($"outer x inner x coplayers x envs = {samples} samples per update is too large");
        if (samples % rl.Minibatches != 0) throw new ArgumentException($"outer x inner x coplayers x envs = {samples} samples per update do not divide into {rl.Minibatches} minibatches");
        if (samples / rl.Minibatches < 2) throw new ArgumentException($"{samples} samples in {rl.Minibatches} minibatches leave one sample per minibatch, whose normalised advantage is 0");
        network = new MfosRlNetwork(config.Hidden, SplitMix64.Derive((ulong)config.Seed, 0x4D464F53_494E4954UL));
        adam = new Adam(network.Store, rl.MaxGradNorm, 0.9, 0.999, rl.AdamEps);
        seat = new MfosRlSeat(config.Hidden, layout, config.Outer, config.Inner, config.MfosMetaMemory);
        coPlayers = CoPlayerKinds.Create(config.Coplayer, config.CoPlayerConfig, layout);
        trial = new MatrixTrial(config.Game, layout, config.Outer, config.Inner);
        record = new TrialRecord(layout, config.Outer, config.Inner, detail: false);
        var n = (int)samples;
        advantages = new float[n];
        targets = new float[n];
        dones = new bool[n];
        dones.AsSpan(n - layout.Rows).Fill(true); // the matrix game's done: the trial's last step only
        lastValues = new float[layout.Rows];
        order = new int[n];
        observationIndex = new long[n];
        actionIndex = new long[n];
    }

    /// <summary>The trial shape, co-players and seed.</summary>
    public ShapeConfig Config { get; }

    /// <summary>The meta-agent's PPO settings.</summary>
    public MfosRlConfig Rl { get; }

    /// <summary>The architecture the parameters follow (evaluate them with its policy).</summary>
    public MfosAgent Agent => network.Agent;

    /// <inheritdoc/>
    public IReadOnlyList<string> StatNames { get; } = new[] { "cc", "cd", "dc", "dd" };

    /// <inheritdoc/>
    public float[] Best => Parameters;

    /// <inheritdoc/>
    public float[] Mean => Parameters;

    /// <summary>The agent's reward per step in the last update's trial (played before that update; NaN before the first and after a resume).</summary>
    public double BestFitness { get; private set; } = double.NaN;

    /// <summary>Updates done (one trial each).</summary>
    public int Generation { get; private set; }

    /// <summary>The current parameters in <see cref="MfosAgent"/>'s flat layout.</summary>
    public float[] Parameters => network.Parameters;

    /// <summary>The last update's losses (null before the first; not part of a checkpoint).</summary>
    public MfosRlLosses? LastLosses { get; private set; }

    /// <summary>Meta-agent steps per update: co-players x envs x outer x inner.</summary>
    public long StepsPerGeneration => (long)layout.Rows * Config.Outer * Config.Inner;

    /// <summary>The trial noise (action uniforms, co-player permutations) of update <paramref name="generation"/>.</summary>
    public TrialNoise NoiseOf(int generation) =>
        new(SplitMix64.Derive((ulong)Config.Seed, 0x4D464F53_0000_0000UL + (ulong)generation), Config.Outer, Config.Inner, layout.Rows);

    /// <summary>
    /// One update: a trial against fresh co-players, GAE targets over it, then epochs x minibatches of PPO steps.
    /// FitnessMean and FitnessBest are the agent's reward per step over the trial, FitnessStd the standard deviation of
    /// that over the co-players; Sigma is 0 (no ES) and LearningRate the PPO step size.
    /// </summary>
    public GenerationMetrics Step()
    {
        var clock = Stopwatch.StartNew();
        // 1. Collect one trial with the current parameters.
        seat.Load(network.Parameters);
        trial.Run(seat, coPlayers, NoiseOf(Generation), record);
        if (!double.IsFinite(record.RowTotal)) throw new InvalidOperationException("a trial produced a non-finite reward");

        // 2. Targets: GAE over the whole trial, [T = outer x inner, W = rows], done on its last step only.
        Targets(seat.Rewards, seat.Values, dones, lastValues, (float)Rl.Gamma, (float)Rl.GaeLambda, advantages, targets);

        // 3. Update: epochs x minibatches on the stored samples.
        LastLosses = Update();
        Generation++;

        var perCoPlayer = seat.CoPlayerReward.Select(r => r / ((double)Config.Outer * Config.Inner * layout.Envs)).ToArray();
        var mean = record.RowPerStep;
        var spread = perCoPlayer.Average();
        var std = Math.Sqrt(perCoPlayer.Average(f => (f - spread) * (f - spread)));
        var total = (double)record.Visits.Sum();
        BestFitness = mean;
        return new GenerationMetrics(Generation, mean, mean, std, record.ColumnPerStep, record.Visits.Select(v => v / total).ToArray(), 0, Rl.Lr, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// GAE for [T, W] samples (time-major) as pax's <c>gae_advantages</c>: A_t = delta_t + gamma lambda (1 - d_t)
    /// A_{t+1}, delta_t = r_t + gamma (1 - d_t) V_{t+1} - V_t, targets = A + V, with <paramref name="lastValues"/> the
    /// bootstrap after the last step (pax zeroes it when the last step is done, which the done mask does here too).
    /// </summary>
    internal static void Targets(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<bool> dones, ReadOnlySpan<float> lastValues,
        float gamma, float lambda, Span<float> advantages, Span<float> targets) =>
        Gae.Compute(rewards, values, dones, lastValues, gamma, lambda, advantages, targets);

    MfosRlLosses Update()
    {
        var n = seat.Samples;
        var h = Config.Hidden;
        for (var i = 0; i < n; i++) { observationIndex[i] = seat.Observations[i]; actionIndex[i] = seat.Actions[i]; }
        using var scope = NewDisposeScope();
        var observations = tensor(observationIndex);
        var th = tensor(seat.Th, new long[] { n, h });
        var hActor = tensor(seat.HiddenActor, new long[] { n, h });
        var hCritic = tensor(seat.HiddenCritic, new long[] { n, h });
        return MfosRlPpo.Update(Rl, adam, tensor(actionIndex), seat.LogProbs, seat.Values, advantages, targets, order, epoch => Permutation(Generation, epoch, order),
            index => network.Evaluate(observations.index_select(0, index), th.index_select(0, index), hActor.index_select(0, index), hCritic.index_select(0, index)));
    }

    // A uniformly random order of the samples for one epoch of one update (pax: jax.random.permutation per epoch).
    void Permutation(int generation, int epoch, int[] result)
    {
        var state = SplitMix64.Start(SplitMix64.Derive(SplitMix64.Derive((ulong)Config.Seed, 0x4D464F53_5045524DUL), (ulong)generation * 1_000_003UL + (ulong)epoch));
        SplitMix64.Permutation(ref state, result);
    }

    /// <summary>The header a checkpoint carries: every shaping setting but generations, checkpoint_every and threads, and the PPO settings.</summary>
    public StateHeader CheckpointHeader() => StateHeader.Of(CheckpointKind, CheckpointVersion, $"mfos_rl on {Config.Env}",
        new Dictionary<string, JsonNode?> { ["config"] = ShapeTrainer.Settings(Config), ["mfos_rl"] = JsonNode.Parse(ConfigBinder.ToJson(Rl)) });

    /// <summary>Writes the update count, the parameters and the Adam state: all a resumed run needs to continue bit for bit.</summary>
    public void Save(StateWriter writer) => MfosRlPpo.Save(writer, "mfos-rl", Generation, network.Store, adam);

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader)
    {
        Generation = MfosRlPpo.Load(reader, "mfos-rl", network.Store, adam);
        LastLosses = null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        adam.Dispose();
        network.Dispose();
    }
}

/// <summary>
/// The PPO phase of an M-FOS (RL) update, shared by the matrix and the Coin Game trainers (pax's <c>update</c> in
/// <c>ppo_gru.py</c>): epochs x minibatches of clipped-surrogate steps on the stored samples.
/// </summary>
internal static class MfosRlPpo
{
    /// <summary>Writes an RL trainer's state under <paramref name="section"/>: update count, parameters, Adam state (all a resumed run needs).</summary>
    public static void Save(StateWriter writer, string section, int generation, ParameterStore store, Adam adam)
    {
        writer.Section(section);
        writer.Write(generation);
        writer.WriteTensor(store.Values);
        adam.Save(writer);
    }

    /// <summary>Reads what <see cref="Save"/> wrote into <paramref name="store"/> and <paramref name="adam"/>; returns the update count.</summary>
    public static int Load(StateReader reader, string section, ParameterStore store, Adam adam)
    {
        reader.Section(section);
        var generation = reader.Guard(reader.ReadInt32);
        if (generation < 0) throw new InvalidDataException($"{reader.Name}: negative update count {generation}");
        reader.ReadInto(store.Values, "the M-FOS parameters");
        adam.Load(reader);
        return generation;
    }

    /// <summary>
    /// Runs the epochs: <paramref name="permute"/> fills <paramref name="order"/> for an epoch, <paramref name="evaluate"/>
    /// gives (logits [M, actions], values [M]) for the samples at an index tensor. Returns the mean losses.
    /// </summary>
    public static MfosRlLosses Update(MfosRlConfig rl, Adam adam, Tensor actions, float[] behaviourLogProbs, float[] behaviourValues, float[] advantages, float[] targets,
        int[] order, Action<int> permute, Func<Tensor, (Tensor Logits, Tensor Values)> evaluate)
    {
        var n = order.Length;
        using var scope = NewDisposeScope();
        var oldLogProbs = tensor(behaviourLogProbs);
        var oldValues = tensor(behaviourValues);
        var advantageTensor = tensor(advantages);
        var targetTensor = tensor(targets);
        var size = n / rl.Minibatches;
        double total = 0, policy = 0, value = 0, entropy = 0, kl = 0, norm = 0;
        var steps = 0;
        for (var epoch = 0; epoch < rl.Epochs; epoch++)
        {
            using var pass = NewDisposeScope();
            permute(epoch);
            var permutation = tensor(order.Select(i => (long)i).ToArray());
            for (var k = 0; k < rl.Minibatches; k++)
            {
                using var step = NewDisposeScope();
                var index = permutation.narrow(0, (long)k * size, size);
                var (logits, values) = evaluate(index);
                var logSoftmax = logits.log_softmax(1);
                var logProbs = logSoftmax.gather(1, actions.index_select(0, index).unsqueeze(1)).squeeze(1);
                var entropies = -(logSoftmax.exp() * logSoftmax).sum(1);
                // PpoLoss's value term is 0.5 x mean(max(...)) x vfCoef; pax's M-FOS loss has no 0.5, hence 2 x value_coef.
                var terms = PpoLoss.Compute(logProbs.unsqueeze(0), entropies.unsqueeze(0), values.unsqueeze(0), oldLogProbs.index_select(0, index).unsqueeze(0),
                    oldValues.index_select(0, index).unsqueeze(0), advantageTensor.index_select(0, index).unsqueeze(0), targetTensor.index_select(0, index).unsqueeze(0),
                    rl.Clip, 2 * rl.ValueCoef, rl.EntropyCoef);
                terms.Total.backward();
                var norms = adam.Step(rl.Lr);
                total += terms.Total.item<float>();
                policy += terms.Actor.item<float>();
                value += 2 * terms.Value.item<float>();
                entropy += terms.Entropy.item<float>();
                kl += terms.ApproxKl.item<float>();
                norm += norms[0];
                steps++;
            }
        }
        return new MfosRlLosses(total / steps, policy / steps, value / steps, entropy / steps, kl / steps, norm / steps);
    }
}
