using System.Text.Json.Serialization;

namespace Hybrid.Scaling.Algorithms;

/// <summary>How the agents' action values are combined into the trained value.</summary>
public enum MarlQMixing
{
    /// <summary>IQL: each agent learns its own Q_i from its own reward and done; the loss is the mean over agents.</summary>
    Independent,
    /// <summary>VDN (Sunehag et al. 2018): Q_tot = sum_i Q_i(a_i), trained on the team reward.</summary>
    Sum,
    /// <summary>QMIX (Rashid et al. 2018): Q_tot = Mix(Q_1..Q_n; s), a monotonic mixer from hypernetworks of the state.</summary>
    Qmix,
}

/// <summary>The optimiser of the value-based multi-agent learners.</summary>
public enum MarlQOptimizer
{
    /// <summary>RAdam, as JaxMARL's code (optax.radam).</summary>
    Radam,
    /// <summary>Adam, as the thesis says (T:3525, "unlike PyMARL, we use the Adam optimizer").</summary>
    Adam,
}

/// <summary>
/// Settings of IQL, VDN and QMIX with JaxMARL's names (lowercase; baselines/QLearning/config/alg/ql_rnn_mpe.yaml) and
/// the thesis' table 8 values for MPE as defaults: 2e6 steps, 8 environments x 26 steps per update, learning rate 1e-3
/// (the code's yaml says 0.005), buffer 5,000 chunks, batch 32 chunks, hidden 64, epsilon 1 to 0.05 over 10% of the
/// updates, gradient norm 25, target copy every 200 updates, one epoch, learning from 10,000 steps, gamma 0.9, mixer
/// embedding 32 and hypernetwork 128 with init scale 1e-3. Steps count every environment of one training seed.
/// </summary>
public sealed record MarlQConfig
{
    /// <summary>Learning rate.</summary>
    [JsonPropertyName("lr")] public double LearningRate { get; set; } = 1e-3;
    /// <summary>Decay the learning rate linearly to 1e-10 over num_epochs x num_updates gradient steps.</summary>
    public bool LrLinearDecay { get; set; } = true;
    /// <summary>RAdam (JaxMARL's code) or Adam (the thesis).</summary>
    public MarlQOptimizer Optimizer { get; set; } = MarlQOptimizer.Radam;
    /// <summary>Environments per training seed.</summary>
    public int NumEnvs { get; set; } = 8;
    /// <summary>Steps of each rollout (one buffer chunk); the environments are reset before every rollout, as JaxMARL.</summary>
    public int NumSteps { get; set; } = 26;
    /// <summary>Steps per training seed (all its environments).</summary>
    public long TotalTimesteps { get; set; } = 2_000_000;
    /// <summary>Replay capacity in chunks (num_envs rows of buffer_size / num_envs chunks, first in first out).</summary>
    public int BufferSize { get; set; } = 5_000;
    /// <summary>Chunks per gradient step.</summary>
    public int BufferBatchSize { get; set; } = 32;
    /// <summary>Width of the agent's dense layer and GRU.</summary>
    public int HiddenSize { get; set; } = 64;
    /// <summary>Initial exploration epsilon.</summary>
    public double EpsStart { get; set; } = 1.0;
    /// <summary>Final exploration epsilon.</summary>
    public double EpsFinish { get; set; } = 0.05;
    /// <summary>Fraction of the updates over which epsilon decays linearly.</summary>
    public double EpsDecay { get; set; } = 0.1;
    /// <summary>Global gradient norm limit per seed (agent and mixer together).</summary>
    public double MaxGradNorm { get; set; } = 25;
    /// <summary>Updates (rollouts) between target updates; the check runs before the counter moves, so also at update 0.</summary>
    public int TargetUpdateInterval { get; set; } = 200;
    /// <summary>Target update rate: target &lt;- tau online + (1 - tau) target (1: a hard copy).</summary>
    public double Tau { get; set; } = 1.0;
    /// <summary>Gradient steps per update, each on a fresh sample.</summary>
    public int NumEpochs { get; set; } = 1;
    /// <summary>Steps before learning starts.</summary>
    public long LearningStarts { get; set; } = 10_000;
    /// <summary>Discount.</summary>
    public double Gamma { get; set; } = 0.9;
    /// <summary>Rewards are multiplied by this before they are stored (JaxMARL's REW_SCALE; SMAX uses 10).</summary>
    public double RewScale { get; set; } = 1.0;
    /// <summary>QMIX mixer embedding E.</summary>
    public int MixerEmbeddingDim { get; set; } = 32;
    /// <summary>QMIX hypernetwork hidden width K.</summary>
    public int MixerHypernetHiddenDim { get; set; } = 128;
    /// <summary>Gain of the mixer's orthogonal kernels.</summary>
    public double MixerInitScale { get; set; } = 1e-3;
    /// <summary>
    /// Reproduce JaxMARL's bootstrap mask: (1 - done of the previous step) instead of (1 - done of this step), so an
    /// episode's last step bootstraps into the next episode's first state and an episode's first step is not
    /// bootstrapped (baselines/QLearning/*_rnn.py; ../shared/reference/marl.md 1.6). Off: the mask of the definition.
    /// </summary>
    public bool JaxmarlDoneOffByOne { get; set; }
    /// <summary>Seed of the first training seed; seed k trains from seed + k.</summary>
    public long Seed { get; set; }
    /// <summary>Checkpoint interval in iterations (one iteration = one update = one rollout and its gradient steps).</summary>
    public int CheckpointEvery { get; set; } = 500;

    /// <summary>Updates (rollouts) of a training run: total_timesteps / num_steps / num_envs.</summary>
    [JsonIgnore] public int NumUpdates => (int)(TotalTimesteps / NumSteps / NumEnvs);

    /// <summary>Exploration epsilon at update <paramref name="update"/> (from 0): linear over eps_decay x num_updates updates, then constant.</summary>
    public double Epsilon(long update)
    {
        return LinearSchedule(EpsStart, EpsFinish, update, EpsDecay * NumUpdates);
    }

    /// <summary>The learning rate of gradient step <paramref name="gradStep"/> (from 0).</summary>
    public double LearningRateAt(long gradStep)
    {
        return LrLinearDecay ? LinearSchedule(LearningRate, 1e-10, gradStep, (double)NumEpochs * NumUpdates) : LearningRate;
    }

    /// <summary>optax.linear_schedule: from <paramref name="start"/> to <paramref name="end"/> over <paramref name="span"/> counts, then constant.</summary>
    public static double LinearSchedule(double start, double end, double count, double span) =>
        start + (end - start) * (span <= 0 ? 1 : Math.Min(1.0, count / span));

    /// <summary>Throws with the offending key when a setting is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string key, object value, string rule) { if (!ok) throw new ArgumentException($"{key}={value}: {rule}"); }
        Check(LearningRate > 0 && double.IsFinite(LearningRate), "lr", LearningRate, "must be a positive number");
        Check(NumEnvs >= 1, "num_envs", NumEnvs, "must be at least 1");
        Check(NumSteps >= 2, "num_steps", NumSteps, "must be at least 2 (targets need a next step inside the chunk)");
        Check(NumUpdates >= 1, "total_timesteps", TotalTimesteps, $"gives no update (needs at least num_steps x num_envs = {NumSteps * NumEnvs})");
        Check(BufferBatchSize >= 1, "buffer_batch_size", BufferBatchSize, "must be at least 1");
        Check(BufferSize >= NumEnvs, "buffer_size", BufferSize, $"must hold at least one chunk per environment ({NumEnvs})");
        Check(HiddenSize >= 1, "hidden_size", HiddenSize, "must be at least 1");
        Check(EpsStart is >= 0 and <= 1 && EpsFinish is >= 0 and <= 1, "eps_start/eps_finish", $"{EpsStart}/{EpsFinish}", "must lie in [0, 1]");
        Check(EpsDecay >= 0, "eps_decay", EpsDecay, "must be >= 0");
        Check(MaxGradNorm >= 0, "max_grad_norm", MaxGradNorm, "must be >= 0 (0: no clipping)");
        Check(TargetUpdateInterval >= 1, "target_update_interval", TargetUpdateInterval, "must be at least 1");
        Check(Tau is > 0 and <= 1, "tau", Tau, "must lie in (0, 1]");
        Check(NumEpochs >= 1, "num_epochs", NumEpochs, "must be at least 1");
        Check(LearningStarts >= 0, "learning_starts", LearningStarts, "must be >= 0");
        Check(Gamma is >= 0 and <= 1, "gamma", Gamma, "must lie in [0, 1]");
        Check(double.IsFinite(RewScale), "rew_scale", RewScale, "must be a finite number");
        Check(MixerEmbeddingDim >= 1 && MixerHypernetHiddenDim >= 1, "mixer_embedding_dim/mixer_hypernet_hidden_dim", $"{MixerEmbeddingDim}/{MixerHypernetHiddenDim}", "must be at least 1");
        Check(MixerInitScale > 0, "mixer_init_scale", MixerInitScale, "must be positive");
        Check(CheckpointEvery >= 1, "checkpoint_every", CheckpointEvery, "must be at least 1");
    }

    /// <summary>The algorithms, by their command-line names.</summary>
    public static readonly string[] Algorithms = { "iql", "vdn", "qmix" };

    /// <summary>The mixing of algorithm <paramref name="algo"/>.</summary>
    public static MarlQMixing MixingOf(string algo) => algo switch
    {
        "iql" => MarlQMixing.Independent,
        "vdn" => MarlQMixing.Sum,
        "qmix" => MarlQMixing.Qmix,
        _ => throw new ArgumentException($"unknown multi-agent Q-learning algorithm '{algo}' (available: {string.Join(", ", Algorithms)})"),
    };

    /// <summary>
    /// The preset for <paramref name="env"/>: table 8's MPE column (the defaults) for MPE and other environments; the
    /// same three algorithms share it (the mixer settings apply to QMIX only).
    /// </summary>
    public static MarlQConfig For(string algo, string env)
    {
        MixingOf(algo);
        return new MarlQConfig();
    }
}
