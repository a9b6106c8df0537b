using System.Diagnostics;
using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Replay;
using Hybrid.Scaling.Training;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// The DQN family (DQN, double, dueling, C51, noisy, prioritised, n-step, Rainbow and its presets) for S training seeds
/// at once on a single-agent environment with discrete actions, given as S x num_envs environments (seed s owns
/// environments s E .. s E + E - 1). Each vector step reads like dopamine's agent step: act epsilon-greedily, step the
/// environments, store the transitions, and every <see cref="DqnConfig.UpdatePeriod"/> agent steps (once
/// <see cref="DqnConfig.MinReplayHistory"/> are stored) take a gradient step; copy the target network every
/// <see cref="DqnConfig.TargetUpdatePeriod"/>. One <see cref="Step"/> is one iteration of
/// <see cref="DqnConfig.IterationSteps"/> agent steps per seed.
/// </summary>
/// <remarks>
/// Seeds: copy s trains from config.seed + s (network, action, noise and replay streams); its environments get seeds
/// SplitMix64.Start(seed + s) + e, as the PPO family's.
/// </remarks>
public sealed class DqnTrainer : IIterativeTrainer
{
    readonly DqnConfig config;
    readonly VectorEnv env;
    readonly bool ownsEnvironment;
    readonly int seeds, envs;
    readonly float[] observationCopy;
    readonly long[] observationShape;

    /// <summary>A trainer on <paramref name="env"/> (S x num_envs environments, reset here, the caller's to dispose).</summary>
    public DqnTrainer(string algo, VectorEnv env, DqnConfig config, int seeds = 1, Device? device = null) : this(algo, env, false, config, seeds, device) { }

    /// <summary>A trainer on the registered environment <paramref name="envName"/> (created and disposed here).</summary>
    public DqnTrainer(string algo, string envName, DqnConfig config, int seeds = 1, Device? device = null)
        : this(algo, EnvRegistry.Create(envName, checked(Math.Max(1, seeds) * Math.Max(1, config.NumEnvs))), true, config, seeds, device) { }

    DqnTrainer(string algo, VectorEnv env, bool ownsEnvironment, DqnConfig config, int seeds, Device? device)
    {
        try
        {
            if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "at least one training seed is needed");
            config.Validate();
            (Algo, this.env, this.ownsEnvironment, this.config, this.seeds) = (algo, env, ownsEnvironment, config, seeds);
            envs = config.NumEnvs;
            if (env.Agents.Count != 1)
                throw new ArgumentException($"{algo} trains single-agent environments; {env.Name} has {env.Agents.Count} agents ({string.Join(", ", env.Agents)}): use ippo or mappo");
            if (env.ActionSpaces[0] is not Discrete actions)
                throw new ArgumentException($"{algo} needs discrete actions; {env.Name} has {env.ActionSpaces[0]}");
            if (env.NumEnvs != seeds * envs)
                throw new ArgumentException($"{env.Name} has {env.NumEnvs} environments; {seeds} seeds x num_envs {envs} need {seeds * envs}");
            var space = env.ObservationSpaces[0];
            observationShape = space is Box box ? box.Shape.Select(x => (long)x).ToArray() : new long[] { space.FlatSize };
            var runSeeds = Enumerable.Range(0, seeds).Select(k => config.Seed + k).ToArray();
            var network = new QNetwork(observationShape, actions.N,
                new QNetworkOptions(config.Encoder, config.HiddenLayers, config.Hidden, config.NumAtoms, config.Vmax, config.Dueling, config.Noisy, config.NoisySigma),
                runSeeds, device);
            Learner = new DqnLearner(network, config, runSeeds, observationShape);
            var binary = space is Box { Low: 0, High: 1 };
            Replay = new ReplayBuffer(seeds, envs, observationShape, config.ReplayOptions(), runSeeds, binary ? ObservationStorage.Bytes : ObservationStorage.Float);
            Episodes = new EpisodeStats(seeds, 1, envs);
            observationCopy = new float[env.Observations(0).Length];
            TrainingRun.ResetEnvironments(env, runSeeds, envs);
        }
        catch
        {
            if (ownsEnvironment) env.Dispose();
            throw;
        }
    }

    /// <summary>The algorithm's name (dqn, rainbow, der, drq_eps, or a caller's).</summary>
    public string Algo { get; }

    /// <summary>Shape of one observation (a grid [H, W, C] or a vector [D]).</summary>
    public long[] ObservationShape => observationShape;

    /// <summary>The settings.</summary>
    public DqnConfig Config => config;

    /// <summary>Training seeds S.</summary>
    public int Seeds => seeds;

    /// <summary>The learner (networks, optimiser, acting).</summary>
    public DqnLearner Learner { get; }

    /// <summary>The replay.</summary>
    public ReplayBuffer Replay { get; }

    /// <summary>Finished episodes per seed.</summary>
    public EpisodeStats Episodes { get; }

    /// <summary>The environment batch (S x E).</summary>
    public VectorEnv Environment => env;

    /// <summary>Iterations done.</summary>
    public int Iteration { get; private set; }

    /// <summary>Agent steps of each seed so far.</summary>
    public long AgentSteps { get; private set; }

    /// <summary>Runs one iteration: <see cref="DqnConfig.IterationSteps"/> agent steps per seed with their updates.</summary>
    public UpdateMetrics Step()
    {
        if (Iteration >= config.NumIterations) throw new InvalidOperationException($"all {config.NumIterations} iterations are done");
        var clock = Stopwatch.StartNew();
        var before = Episodes.Counts();
        var sums = DqnLearner.MetricNames.Select(_ => new double[seeds]).ToArray();
        var updates = 0;
        // A view of the environments' observation memory: it shows every step's observations without a new tensor per step.
        using var observations = env.ObservationTensor(0).view(new long[] { seeds, envs }.Concat(observationShape).ToArray());
        var epsilon = 0.0;
        for (var v = 0; v < config.IterationSteps / envs; v++)
        {
            epsilon = config.Epsilon(AgentSteps);
            // The environments overwrite their observation memory when they step: keep the one the actions were taken at.
            env.Observations(0).CopyTo(observationCopy, 0);
            var actions = Learner.Act(observations, epsilon);
            env.Step(actions);
            var rewards = env.Rewards.AsSpan(0, seeds * envs);
            Replay.Add(observationCopy, actions, rewards, env.AllDones);
            var previous = AgentSteps;
            AgentSteps += envs;
            Episodes.Add(rewards, env.AllDones, AgentSteps);
            if (Replay.Added * envs <= config.MinReplayHistory || Replay.Sampleable == 0) continue;
            for (var k = previous / config.UpdatePeriod; k < AgentSteps / config.UpdatePeriod; k++)
            {
                var metrics = Learner.Update(Replay, config.LearningRate);
                for (var m = 0; m < sums.Length; m++)
                    for (var s = 0; s < seeds; s++) sums[m][s] += metrics[m][s];
                updates++;
            }
            if (AgentSteps / config.TargetUpdatePeriod > previous / config.TargetUpdatePeriod) Learner.Network.SyncTarget();
        }
        Iteration++;
        var result = new UpdateMetrics(Iteration, AgentSteps, seeds);
        var (counts, returns) = Episodes.Since(before);
        result.Add("return", returns).Add("episodes", counts);
        for (var m = 0; m < sums.Length; m++)
            result.Add(DqnLearner.MetricNames[m], sums[m].Select(x => updates == 0 ? double.NaN : x / updates).ToArray());
        var seconds = clock.Elapsed.TotalSeconds;
        result.Add("epsilon", epsilon).Add("updates", updates).Add("steps_per_second", seconds > 0 ? (double)config.IterationSteps * seeds / seconds : 0).Add("seconds", seconds);
        return result;
    }

    /// <summary>Runs the remaining iterations, reporting each.</summary>
    public void Train(Action<UpdateMetrics>? onIteration = null) => TrainingRun.TrainAll(this, onIteration);

    long IIterativeTrainer.FirstSeed => config.Seed;
    int IIterativeTrainer.Iterations => config.NumIterations;
    int IIterativeTrainer.CheckpointEvery => config.CheckpointEvery;
    long IIterativeTrainer.StepsPerIteration => config.IterationSteps;
    long IIterativeTrainer.EnvSteps => AgentSteps;
    string IIterativeTrainer.ConfigJson() => TrainingRun.ConfigJson(Algo, env.Name, seeds, ConfigBinder.ToJson(config));

    /// <summary>Each seed's mean return over the last 10% of its finished episodes.</summary>
    public double[] FinalReturns() => Enumerable.Range(0, seeds).Select(s => Episodes.FinalReturn(s)).ToArray();

    /// <summary>What a checkpoint of this run says about itself: algorithm, environment, seeds and settings must match on resume.</summary>
    public StateHeader CheckpointHeader() => TrainerCheckpoint.Header(DqnCheckpoint.Kind, DqnCheckpoint.Version, Algo.ToUpperInvariant(), Algo, env, seeds, ConfigBinder.ToJson(config));

    /// <summary>Writes everything the next iteration depends on: counters, learner, replay, environments and episode statistics.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("dqn");
        writer.Write(Iteration);
        writer.Write(AgentSteps);
        Learner.Save(writer);
        Replay.Save(writer);
        env.SaveState(writer);
        Episodes.Save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader)
    {
        reader.Section("dqn");
        var (iteration, steps) = reader.Guard(() => (reader.ReadInt32(), reader.ReadInt64()));
        if (iteration < 0 || iteration > config.NumIterations) throw new InvalidDataException($"{reader.Name} is at iteration {iteration}, this run has {config.NumIterations}");
        Learner.Load(reader);
        Replay.Load(reader);
        reader.Guard(() => { env.LoadState(reader); return 0; });
        reader.Guard(() => { Episodes.Load(reader); return 0; });
        (Iteration, AgentSteps) = (iteration, steps);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Learner.Dispose();
        if (ownsEnvironment) env.Dispose();
    }
}

/// <summary>DQN-family checkpoints in the state format: kind "dqn-checkpoint", the trainer's identity, its state (replay included).</summary>
public static class DqnCheckpoint
{
    /// <summary>The kind written in the header.</summary>
    public const string Kind = "dqn-checkpoint";

    /// <summary>Layout version.</summary>
    public const int Version = 1;

    /// <summary>Writes the trainer's state to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, DqnTrainer trainer) => TrainerCheckpoint.Write(path, trainer);

    /// <summary>The checkpoint as bytes.</summary>
    public static byte[] ToBytes(DqnTrainer trainer) => TrainerCheckpoint.ToBytes(trainer);

    /// <summary>Restores <paramref name="trainer"/> from <paramref name="path"/>; a file of another run is refused naming the difference.</summary>
    public static void Read(string path, DqnTrainer trainer) => TrainerCheckpoint.Read(path, trainer);

    /// <summary>The same from bytes named <paramref name="name"/> in messages.</summary>
    public static void Read(byte[] data, string name, DqnTrainer trainer) => TrainerCheckpoint.Read(data, name, trainer);
}
