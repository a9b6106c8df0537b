using System.Text.Json.Serialization;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Replay;

namespace Hybrid.Scaling.Algorithms;

/// <summary>The loss of plain (non-distributional) action values.</summary>
public enum QLoss
{
    /// <summary>(y - Q)^2 (dopamine JAX's default mse_loss).</summary>
    Mse,
    /// <summary>Huber with delta 1 (Mnih et al. 2015, DrQ(eps), CleanRL's choice of MSE aside).</summary>
    Huber,
}

/// <summary>
/// Settings of the DQN family, one learner with every part an option (dopamine's names where it has them, lowercase):
/// the defaults are dopamine's MinAtar DQN (labs/environments/minatar/dqn.gin); <see cref="For"/> gives the presets
/// dqn, rainbow, der and drq_eps. Steps are agent steps of one training seed (all its environments together), as
/// dopamine counts them: an update every <see cref="UpdatePeriod"/> of them, a target copy every
/// <see cref="TargetUpdatePeriod"/>, so the replay ratio does not depend on <see cref="NumEnvs"/>.
/// </summary>
public sealed record DqnConfig
{
    /// <summary>Adam learning rate.</summary>
    [JsonPropertyName("lr")] public double LearningRate { get; set; } = 2.5e-4;
    /// <summary>Adam's epsilon.</summary>
    public double AdamEps { get; set; } = 3.125e-4;
    /// <summary>Discount.</summary>
    public double Gamma { get; set; } = 0.99;
    /// <summary>Update horizon n of the n-step targets.</summary>
    public int NStep { get; set; } = 1;
    /// <summary>Transitions per gradient step (per seed).</summary>
    public int BatchSize { get; set; } = 32;
    /// <summary>Replay capacity in transitions (per seed).</summary>
    public int ReplayCapacity { get; set; } = 100_000;
    /// <summary>Agent steps before the first update (dopamine's min_replay_history).</summary>
    public int MinReplayHistory { get; set; } = 1_000;
    /// <summary>Agent steps between gradient steps.</summary>
    public int UpdatePeriod { get; set; } = 4;
    /// <summary>Agent steps between copies of the online network into the target network.</summary>
    public int TargetUpdatePeriod { get; set; } = 1_000;
    /// <summary>Exploration: epsilon decays linearly from 1 to <see cref="EpsilonTrain"/> over this many agent steps after <see cref="MinReplayHistory"/> (dopamine's linearly_decaying_epsilon).</summary>
    public int EpsilonDecayPeriod { get; set; } = 250_000;
    /// <summary>Final training epsilon.</summary>
    public double EpsilonTrain { get; set; } = 0.01;
    /// <summary>Evaluation epsilon.</summary>
    public double EpsilonEval { get; set; } = 0.001;
    /// <summary>Loss of plain action values (distributional heads use the cross-entropy).</summary>
    public QLoss Loss { get; set; } = QLoss.Mse;
    /// <summary>Double Q-learning: the online network picks the next action, the target network values it.</summary>
    public bool DoubleQ { get; set; }
    /// <summary>Dueling heads.</summary>
    public bool Dueling { get; set; }
    /// <summary>Atoms of the return distribution (1: plain action values; 51: C51).</summary>
    public int NumAtoms { get; set; } = 1;
    /// <summary>Support of the return distribution: [-vmax, vmax] (dopamine's vmax; MinAtar Rainbow 100).</summary>
    public double Vmax { get; set; } = 10;
    /// <summary>Noisy layers (factorised) in the head and hidden layers; exploration epsilon is then 0.</summary>
    public bool Noisy { get; set; }
    /// <summary>sigma_0 of noisy layers (dopamine: 0.1).</summary>
    public double NoisySigma { get; set; } = 0.1;
    /// <summary>Prioritised replay (dopamine's: priority sqrt(loss + 1e-10), weights 1/sqrt(P) over the batch maximum).</summary>
    public bool Prioritised { get; set; }
    /// <summary>
    /// DrQ's random-shift augmentation of the sampled observations and next observations in every gradient step: the
    /// grid is padded by this many edge cells and cropped back at a random offset (<see cref="Replay.RandomShift"/>);
    /// 0 is off. DrQ pads Atari's 84 x 84 frames by 4; the drq_eps preset pads MinAtar's 10 x 10 grids by 1.
    /// </summary>
    /// <remarks>Left out of the settings' JSON when 0, so runs written before the setting existed keep their identity.</remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int AugmentPad { get; set; }
    /// <summary>Observation encoder.</summary>
    public EncoderKind Encoder { get; set; } = EncoderKind.Minatar;
    /// <summary>Dense hidden layers between encoder and head (dopamine's MinAtar network has none).</summary>
    public int HiddenLayers { get; set; }
    /// <summary>Width of the dense hidden layers.</summary>
    public int Hidden { get; set; } = 512;
    /// <summary>Gradient norm limit per seed, or 0 for none (dopamine: none).</summary>
    public double MaxGradNorm { get; set; }
    /// <summary>
    /// Every gradient step and greedy action through TorchSharp's modules, also where the managed MinAtar kernel
    /// (<see cref="Networks.MinatarQKernel"/>: dopamine's MinAtar network with a plain head on the CPU, the dqn preset)
    /// would compute them: for comparisons of the two, which agree up to float rounding.
    /// </summary>
    /// <remarks>Left out of the settings' JSON when false, so runs written before the setting existed keep their identity.</remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TorchOnly { get; set; }
    /// <summary>Environments per training seed.</summary>
    public int NumEnvs { get; set; } = 8;
    /// <summary>Agent steps per training seed.</summary>
    public long TotalTimesteps { get; set; } = 10_000_000;
    /// <summary>Agent steps per iteration (one metrics row and one checkpoint opportunity).</summary>
    public int IterationSteps { get; set; } = 10_000;
    /// <summary>Seed of the first training seed; seed k trains from seed + k.</summary>
    public long Seed { get; set; }
    /// <summary>Checkpoint interval in iterations.</summary>
    public int CheckpointEvery { get; set; } = 10;

    /// <summary>Iterations of one training run.</summary>
    [JsonIgnore] public int NumIterations => (int)(TotalTimesteps / IterationSteps);

    /// <summary>The replay these settings describe.</summary>
    public ReplayOptions ReplayOptions() => new(ReplayCapacity, NStep, Gamma, Prioritised);

    /// <summary>The training epsilon after <paramref name="agentSteps"/> agent steps (0 with noisy layers).</summary>
    public double Epsilon(long agentSteps)
    {
        if (Noisy) return 0;
        if (agentSteps < MinReplayHistory) return 1;
        var done = Math.Min(1.0, (double)(agentSteps - MinReplayHistory) / Math.Max(1, EpsilonDecayPeriod));
        return 1 + (EpsilonTrain - 1) * done;
    }

    /// <summary>Throws with the offending key when a setting is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string key, object value, string rule) { if (!ok) throw new ArgumentException($"{key}={value}: {rule}"); }
        Check(LearningRate > 0 && double.IsFinite(LearningRate), "lr", LearningRate, "must be a positive number");
        Check(AdamEps > 0, "adam_eps", AdamEps, "must be positive");
        Check(Gamma is >= 0 and <= 1, "gamma", Gamma, "must lie in [0, 1]");
        Check(NStep >= 1, "n_step", NStep, "must be at least 1");
        Check(BatchSize >= 1, "batch_size", BatchSize, "must be at least 1");
        Check(MinReplayHistory >= BatchSize, "min_replay_history", MinReplayHistory, $"must be at least batch_size ({BatchSize})");
        Check(UpdatePeriod >= 1 && TargetUpdatePeriod >= 1, "update_period/target_update_period", $"{UpdatePeriod}/{TargetUpdatePeriod}", "must be at least 1");
        Check(EpsilonDecayPeriod >= 1, "epsilon_decay_period", EpsilonDecayPeriod, "must be at least 1");
        Check(EpsilonTrain is >= 0 and <= 1 && EpsilonEval is >= 0 and <= 1, "epsilon_train/epsilon_eval", $"{EpsilonTrain}/{EpsilonEval}", "must lie in [0, 1]");
        Check(NumAtoms >= 1, "num_atoms", NumAtoms, "must be at least 1 (1: plain action values)");
        Check(Vmax > 0 && double.IsFinite(Vmax), "vmax", Vmax, "must be positive");
        Check(NoisySigma >= 0, "noisy_sigma", NoisySigma, "must be >= 0");
        Check(HiddenLayers >= 0 && Hidden >= 1, "hidden_layers/hidden", $"{HiddenLayers}/{Hidden}", "must be >= 0 layers of >= 1 units");
        Check(AugmentPad >= 0, "augment_pad", AugmentPad, "must be >= 0 (0: no augmentation)");
        Check(AugmentPad == 0 || Encoder != EncoderKind.Flat, "augment_pad", AugmentPad, "shifts grids; the flat encoder reads vectors (use encoder=minatar, nature or impala, or augment_pad=0)");
        Check(MaxGradNorm >= 0, "max_grad_norm", MaxGradNorm, "must be >= 0 (0: no clipping)");
        Check(NumEnvs >= 1, "num_envs", NumEnvs, "must be at least 1");
        Check(IterationSteps >= NumEnvs && IterationSteps % NumEnvs == 0, "iteration_steps", IterationSteps, $"must be a multiple of num_envs ({NumEnvs})");
        Check(NumIterations >= 1, "total_timesteps", TotalTimesteps, $"gives no iteration (needs at least iteration_steps = {IterationSteps})");
        Check(CheckpointEvery >= 1, "checkpoint_every", CheckpointEvery, "must be at least 1");
        Check(ReplayCapacity / NumEnvs > NStep, "replay_capacity", ReplayCapacity, $"must hold more than n_step ({NStep}) steps of num_envs ({NumEnvs}) environments");
    }

    /// <summary>The algorithms of the family, by their command-line names.</summary>
    public static readonly string[] Algorithms = { "dqn", "rainbow", "der", "drq_eps" };

    /// <summary>
    /// The preset <paramref name="algo"/>: dqn is dopamine's MinAtar DQN (the defaults); rainbow is dopamine's full Rainbow
    /// on MinAtar (C51 with 51 atoms, n = 3, double, dueling, noisy, prioritised; vmax 100 on MinAtar, 10 elsewhere); der
    /// and drq_eps are thesis chapter 6 table 1 (DER: full Rainbow with lr 1e-4, Adam eps 1.5e-4, n 10, min replay 1600,
    /// update period 1, target period 2000, epsilon decay 2000; DrQ(eps): the same rates without atoms, noise or
    /// priorities, Huber, target period 1, epsilon decay 5000, and DrQ's random shifts, scaled to MinAtar's grids as a pad
    /// of 1 cell). Networks
    /// stay MinAtar's (encoder and head).
    /// </summary>
    public static DqnConfig For(string algo, string env)
    {
        var minatar = env.StartsWith("minatar_", StringComparison.Ordinal);
        var c = new DqnConfig { Encoder = minatar ? EncoderKind.Minatar : EncoderKind.Flat, HiddenLayers = minatar ? 0 : 2, Hidden = minatar ? 512 : 128 };
        return algo switch
        {
            "dqn" => c,
            "rainbow" => c with { NumAtoms = 51, Vmax = minatar ? 100 : 10, NStep = 3, DoubleQ = true, Dueling = true, Noisy = true, Prioritised = true },
            "der" => c with
            {
                NumAtoms = 51, Vmax = 10, NStep = 10, DoubleQ = true, Dueling = true, Noisy = true, Prioritised = true,
                LearningRate = 1e-4, AdamEps = 1.5e-4, MinReplayHistory = 1600, UpdatePeriod = 1, TargetUpdatePeriod = 2000, EpsilonDecayPeriod = 2000,
            },
            "drq_eps" => c with
            {
                NStep = 10, DoubleQ = true, Dueling = true, Loss = QLoss.Huber, LearningRate = 1e-4, AdamEps = 1.5e-4, MinReplayHistory = 1600,
                UpdatePeriod = 1, TargetUpdatePeriod = 1, EpsilonDecayPeriod = 5000, AugmentPad = minatar ? 1 : 0,
            },
            _ => throw new ArgumentException($"unknown value-based algorithm '{algo}' (available: {string.Join(", ", Algorithms)})"),
        };
    }
}
