using System.Text.Json.Serialization;

namespace Hybrid.Scaling.Algorithms;

/// <summary>Normalisation after each hidden dense layer of PQN's network.</summary>
public enum PqnNorm
{
    /// <summary>LayerNorm (JaxMARL's MPE and Overcooked settings).</summary>
    LayerNorm,
    /// <summary>None.</summary>
    None,
}

/// <summary>
/// Settings of PQN-VDN (JaxMARL's pqn_vdn_ff.py: no replay buffer, no target network, Peng's Q(lambda) over each
/// rollout, VDN sums), with JaxMARL's names (lowercase) and its MPE values (config/alg/pqn_vdn_ff_mpe.yaml) as
/// defaults: 2e6 steps, 256 environments x 16 steps, 2 hidden layers of 256 with LayerNorm, epsilon 1 to 0.1 over 10% of
/// the updates, gradient norm 1, 4 epochs of 16 minibatches, RAdam at 5e-4, gamma 0.9, lambda 0.3.
/// </summary>
public sealed record PqnConfig
{
    /// <summary>Learning rate.</summary>
    [JsonPropertyName("lr")] public double LearningRate { get; set; } = 5e-4;
    /// <summary>Decay the learning rate linearly to 1e-10 over all gradient steps.</summary>
    public bool LrLinearDecay { get; set; }
    /// <summary>RAdam (JaxMARL's code) or Adam.</summary>
    public MarlQOptimizer Optimizer { get; set; } = MarlQOptimizer.Radam;
    /// <summary>Environments per training seed (they run on across updates).</summary>
    public int NumEnvs { get; set; } = 256;
    /// <summary>Steps of each rollout.</summary>
    public int NumSteps { get; set; } = 16;
    /// <summary>Steps per training seed (all its environments).</summary>
    public long TotalTimesteps { get; set; } = 2_000_000;
    /// <summary>Width of the hidden layers.</summary>
    public int HiddenSize { get; set; } = 256;
    /// <summary>Hidden layers.</summary>
    public int NumLayers { get; set; } = 2;
    /// <summary>Normalisation after each hidden layer.</summary>
    public PqnNorm NormType { get; set; } = PqnNorm.LayerNorm;
    /// <summary>Initial exploration epsilon.</summary>
    public double EpsStart { get; set; } = 1.0;
    /// <summary>Final exploration epsilon.</summary>
    public double EpsFinish { get; set; } = 0.1;
    /// <summary>Fraction of the updates over which epsilon decays linearly.</summary>
    public double EpsDecay { get; set; } = 0.1;
    /// <summary>Global gradient norm limit per seed.</summary>
    public double MaxGradNorm { get; set; } = 1;
    /// <summary>Minibatches per epoch (the rollout's num_steps x num_envs transitions shuffled and split).</summary>
    public int NumMinibatches { get; set; } = 16;
    /// <summary>Epochs per update.</summary>
    public int NumEpochs { get; set; } = 4;
    /// <summary>Discount.</summary>
    public double Gamma { get; set; } = 0.9;
    /// <summary>lambda of Peng's Q(lambda) (0: one-step targets).</summary>
    public double Lambda { get; set; } = 0.3;
    /// <summary>Rewards are multiplied by this for learning.</summary>
    public double RewScale { get; set; } = 1.0;
    /// <summary>Seed of the first training seed; seed k trains from seed + k.</summary>
    public long Seed { get; set; }
    /// <summary>Checkpoint interval in updates.</summary>
    public int CheckpointEvery { get; set; } = 50;

    /// <summary>Updates of a training run: total_timesteps / num_steps / num_envs.</summary>
    [JsonIgnore] public int NumUpdates => (int)(TotalTimesteps / NumSteps / NumEnvs);

    /// <summary>Exploration epsilon at update <paramref name="update"/> (from 0).</summary>
    public double Epsilon(long update)
    {
        return MarlQConfig.LinearSchedule(EpsStart, EpsFinish, update, EpsDecay * NumUpdates);
    }

    /// <summary>The learning rate of gradient step <paramref name="gradStep"/> (from 0).</summary>
    public double LearningRateAt(long gradStep)
    {
        return LrLinearDecay ? MarlQConfig.LinearSchedule(LearningRate, 1e-10, gradStep, (double)NumEpochs * NumMinibatches * NumUpdates) : LearningRate;
    }

    /// <summary>Throws with the offending key when a setting is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string key, object value, string rule) { if (!ok) throw new ArgumentException($"{key}={value}: {rule}"); }
        Check(LearningRate > 0 && double.IsFinite(LearningRate), "lr", LearningRate, "must be a positive number");
        Check(NumEnvs >= 1 && NumSteps >= 1, "num_envs/num_steps", $"{NumEnvs}/{NumSteps}", "must be at least 1");
        Check(NumUpdates >= 1, "total_timesteps", TotalTimesteps, $"gives no update (needs at least num_steps x num_envs = {NumSteps * NumEnvs})");
        Check(HiddenSize >= 1 && NumLayers >= 0, "hidden_size/num_layers", $"{HiddenSize}/{NumLayers}", "must be >= 1 units and >= 0 layers");
        Check(EpsStart is >= 0 and <= 1 && EpsFinish is >= 0 and <= 1, "eps_start/eps_finish", $"{EpsStart}/{EpsFinish}", "must lie in [0, 1]");
        Check(EpsDecay >= 0, "eps_decay", EpsDecay, "must be >= 0");
        Check(MaxGradNorm >= 0, "max_grad_norm", MaxGradNorm, "must be >= 0 (0: no clipping)");
        Check(NumMinibatches >= 1 && (long)NumSteps * NumEnvs % NumMinibatches == 0, "num_minibatches", NumMinibatches, $"must divide num_steps x num_envs ({NumSteps * NumEnvs})");
        Check(NumEpochs >= 1, "num_epochs", NumEpochs, "must be at least 1");
        Check(Gamma is >= 0 and <= 1, "gamma", Gamma, "must lie in [0, 1]");
        Check(Lambda is >= 0 and <= 1, "lambda", Lambda, "must lie in [0, 1]");
        Check(double.IsFinite(RewScale), "rew_scale", RewScale, "must be a finite number");
        Check(CheckpointEvery >= 1, "checkpoint_every", CheckpointEvery, "must be at least 1");
    }
}
