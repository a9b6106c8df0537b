using System.Text.Json.Serialization;
using Hybrid.Scaling.Networks;

namespace Hybrid.Scaling.Algorithms;

/// <summary>Which member of the PPO family trains.</summary>
public enum PpoVariant
{
    /// <summary>Single-agent PPO (PureJaxRL).</summary>
    Ppo,
    /// <summary>Independent PPO with one network shared by all agents (JaxMARL IPPO).</summary>
    Ippo,
    /// <summary>Multi-agent PPO: shared actor, centralised critic on the world state (JaxMARL MAPPO).</summary>
    Mappo,
}

/// <summary>The trunk of the PPO family's networks.</summary>
public enum TorsoKind
{
    /// <summary>Dense towers (PureJaxRL's feed-forward network), or embedding and GRU when recurrent.</summary>
    Mlp,
    /// <summary>Conv(16, 3x3) + ReLU + Dense on grid observations (<see cref="ActorCriticOptions.MinAtarCnn"/>).</summary>
    Cnn,
}

/// <summary>
/// PPO settings with PureJaxRL's names (lowercase): the defaults are PureJaxRL ppo.py's; <see cref="For"/> gives the
/// thesis' settings per environment family. NUM_UPDATES = total_timesteps / num_steps / num_envs (environment steps of
/// one training seed), minibatch = num_envs x agents x num_steps / num_minibatches.
/// </summary>
public sealed record PpoConfig
{
    /// <summary>Adam learning rate (annealed linearly to lr / NUM_UPDATES when <see cref="AnnealLr"/>).</summary>
    [JsonPropertyName("lr")] public double LearningRate { get; set; } = 2.5e-4;
    /// <summary>Environments per training seed.</summary>
    public int NumEnvs { get; set; } = 4;
    /// <summary>Rollout length T.</summary>
    public int NumSteps { get; set; } = 128;
    /// <summary>Environment steps per training seed.</summary>
    public long TotalTimesteps { get; set; } = 500_000;
    /// <summary>Passes over each rollout.</summary>
    public int UpdateEpochs { get; set; } = 4;
    /// <summary>Minibatches per pass.</summary>
    public int NumMinibatches { get; set; } = 4;
    /// <summary>Discount.</summary>
    public double Gamma { get; set; } = 0.99;
    /// <summary>GAE lambda.</summary>
    public double GaeLambda { get; set; } = 0.95;
    /// <summary>Ratio and value clipping range.</summary>
    public double ClipEps { get; set; } = 0.2;
    /// <summary>Entropy bonus coefficient.</summary>
    public double EntCoef { get; set; } = 0.01;
    /// <summary>Value loss coefficient.</summary>
    public double VfCoef { get; set; } = 0.5;
    /// <summary>Global gradient norm limit (per seed, per parameter set).</summary>
    public double MaxGradNorm { get; set; } = 0.5;
    /// <summary>Linear learning-rate annealing over the updates.</summary>
    public bool AnnealLr { get; set; } = true;
    /// <summary>Feed-forward nonlinearity.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;
    /// <summary>Hidden width (feed-forward layers; embedding and post-GRU layers of recurrent networks).</summary>
    public int Hidden { get; set; } = 64;
    /// <summary>Hidden layers of each feed-forward tower.</summary>
    public int Layers { get; set; } = 2;
    /// <summary>GRU policies (PureJaxRL ppo_rnn, JaxMARL ippo_rnn / mappo_rnn).</summary>
    public bool Recurrent { get; set; }
    /// <summary>GRU width.</summary>
    public int GruHidden { get; set; } = 128;
    /// <summary>The network's trunk: mlp (feed-forward towers, or the GRU network when recurrent) or cnn (a convolution on grid observations such as MinAtar's).</summary>
    public TorsoKind Torso { get; set; }
    /// <summary>The GRU cell of recurrent networks (flax: PureJaxRL's and JaxMARL's; haiku; pytorch).</summary>
    public GruStyle GruCell { get; set; }
    /// <summary>IPPO/MAPPO: append a one-hot agent id to each agent's observation.</summary>
    public bool AgentId { get; set; }
    /// <summary>Seed of the first training seed; seed k trains from seed + k.</summary>
    public long Seed { get; set; }
    /// <summary>Checkpoint interval in updates (when a checkpoint file is given).</summary>
    public int CheckpointEvery { get; set; } = 50;

    /// <summary>Updates of one training run.</summary>
    [JsonIgnore] public int NumUpdates => (int)(TotalTimesteps / NumSteps / NumEnvs);

    /// <summary>Throws with the offending key when a setting is out of range or the batch does not split.</summary>
    public void Validate(int agents)
    {
        static void Check(bool ok, string key, object value, string rule) { if (!ok) throw new ArgumentException($"{key}={value}: {rule}"); }
        Check(LearningRate > 0 && double.IsFinite(LearningRate), "lr", LearningRate, "must be a positive number");
        Check(NumEnvs >= 1, "num_envs", NumEnvs, "must be at least 1");
        Check(NumSteps >= 1, "num_steps", NumSteps, "must be at least 1");
        Check(UpdateEpochs >= 1, "update_epochs", UpdateEpochs, "must be at least 1");
        Check(NumMinibatches >= 1, "num_minibatches", NumMinibatches, "must be at least 1");
        Check(Gamma is >= 0 and <= 1, "gamma", Gamma, "must lie in [0, 1]");
        Check(GaeLambda is >= 0 and <= 1, "gae_lambda", GaeLambda, "must lie in [0, 1]");
        Check(ClipEps > 0, "clip_eps", ClipEps, "must be positive");
        Check(EntCoef >= 0 && VfCoef >= 0, "ent_coef/vf_coef", $"{EntCoef}/{VfCoef}", "must be non-negative");
        Check(MaxGradNorm > 0, "max_grad_norm", MaxGradNorm, "must be positive");
        Check(Hidden >= 1 && Layers >= 1 && GruHidden >= 1, "hidden/layers/gru_hidden", $"{Hidden}/{Layers}/{GruHidden}", "must be at least 1");
        Check(CheckpointEvery >= 1, "checkpoint_every", CheckpointEvery, "must be at least 1");
        Check(!(Recurrent && Torso == TorsoKind.Cnn), "torso", "cnn", "has no recurrent variant yet (set recurrent=false)");
        Check(NumUpdates >= 1, "total_timesteps", TotalTimesteps, $"gives no update (needs at least num_steps x num_envs = {(long)NumSteps * NumEnvs})");
        var actors = NumEnvs * agents;
        if (Recurrent)
            Check(actors % NumMinibatches == 0, "num_minibatches", NumMinibatches, $"must divide the {actors} sequences (num_envs x agents) of a recurrent rollout");
        else
            Check((long)actors * NumSteps % NumMinibatches == 0, "num_minibatches", NumMinibatches, $"must divide the batch of {(long)actors * NumSteps} transitions");
    }

    /// <summary>The actor-critic these settings describe (see <see cref="ActorCriticOptions"/>).</summary>
    public ActorCriticOptions NetworkOptions() => Torso switch
    {
        TorsoKind.Cnn => ActorCriticOptions.MinAtarCnn(hidden: Hidden),
        _ when Recurrent => ActorCriticOptions.Recurrent(Hidden, GruHidden, GruCell),
        _ => ActorCriticOptions.Mlp(Hidden, Layers, Activation),
    };

    /// <summary>
    /// The thesis' settings for <paramref name="env"/>: MinAtar from chapter 7 appendix H (128 environments, 64 steps,
    /// lr 9e-4, 10 epochs, 8 minibatches, lambda 0.7, max grad norm 1.9, relu, 64 units, 1e7 steps); MPE from chapter 5
    /// appendix G table 6 (16 environments, 128 steps, lr 5e-4, 5 epochs, 2 minibatches, lambda 1, clip 0.3, vf 1,
    /// tanh, 64 units or GRU 128, 1e6 steps); Switch Riddle from JaxMARL's ippo_ff_switch_riddle.yaml; PureJaxRL's
    /// defaults otherwise.
    /// </summary>
    public static PpoConfig For(PpoVariant variant, string env, bool recurrent = false)
    {
        var c = new PpoConfig { Recurrent = recurrent };
        if (env.StartsWith("minatar_", StringComparison.Ordinal))
            return c with
            {
                NumEnvs = 128, LearningRate = 9e-4, NumSteps = 64, TotalTimesteps = 10_000_000, UpdateEpochs = 10, NumMinibatches = 8,
                Gamma = 0.99, GaeLambda = 0.7, ClipEps = 0.2, EntCoef = 0.01, VfCoef = 0.5, MaxGradNorm = 1.9, Activation = Activation.Relu, Hidden = 64,
            };
        if (env.StartsWith("MPE_", StringComparison.Ordinal))
            return c with
            {
                TotalTimesteps = 1_000_000, NumEnvs = 16, NumSteps = 128, LearningRate = 5e-4, UpdateEpochs = 5, NumMinibatches = 2,
                Gamma = 0.99, GaeLambda = 1.0, ClipEps = 0.3, EntCoef = 0.01, VfCoef = 1.0, MaxGradNorm = 0.5, Activation = Activation.Tanh,
                Hidden = recurrent ? 128 : 64, GruHidden = 128,
            };
        if (env == "switch_riddle")
            return c with
            {
                LearningRate = 2.5e-4, NumEnvs = 64, NumSteps = 128, TotalTimesteps = 1_000_000, UpdateEpochs = 4, NumMinibatches = 4,
                Gamma = 0.99, GaeLambda = 0.95, ClipEps = 0.2, EntCoef = 0.01, VfCoef = 0.5, MaxGradNorm = 0.5, Activation = Activation.Relu,
                Hidden = recurrent ? 128 : 64,
            };
        return c;
    }
}
